/**
 * Writes a batch of items into one hash, each only if its version is greater than the stored item's
 * (docs/protocol.md section 8: "written only if its version is greater"). KEYS[1] is the hash; ARGV
 * holds triples (field, version, json). Returns how many items were written.
 *
 * A script rather than LaunchDarkly's WATCH / HGET / MULTI / EXEC loop because the edge writes
 * many environments over one pipelined connection, and WATCH is per connection: concurrent
 * transactions would unwatch each other's keys. The script is one atomic command, so batches of
 * different environments interleave safely, a batch costs one round trip, and there is no retry
 * loop under contention. The stored version is read with cjson.decode, not a pattern match: a
 * variation value may itself contain a "version" property. An unreadable stored value counts as
 * version 0, as in LaunchDarkly's own store. One hash per call keeps every key of a call in one
 * Redis Cluster slot.
 */
export const upsertScript = `
local written = 0
for i = 1, #ARGV, 3 do
  local version = tonumber(ARGV[i + 1])
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  local newer = true
  if current then
    local ok, stored = pcall(cjson.decode, current)
    if ok and type(stored) == 'table' and type(stored['version']) == 'number'
      and stored['version'] >= version then
      newer = false
    end
  end
  if newer then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    written = written + 1
  end
end
return written
`;
