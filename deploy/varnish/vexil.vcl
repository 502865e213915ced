vcl 4.1;

# Vexil's cache tier (docs/cdn.md): Varnish in front of the edges, caching the polling and
# client-side evaluation answers by URL and credential, purged by tag with a floor that keeps a
# slow edge from putting an old answer back. Every subroutine returns explicitly: Varnish's
# built-in VCL (which would pass on Authorization and hash the Host) never runs.
#
# vexil-backends.vcl (copy vexil-backends.example.vcl) defines the edges with their /readyz
# probe, `sub vexil_init` (the round-robin director `vexil_edges`) and `acl vexil_purgers`.

import directors;
import std;
import var;
import xkey;

include "vexil-backends.vcl";

sub vcl_init {
    call vexil_init;
}

# Sets the task variable "cacheable" when the task variable "url" is a route of section 1 (the
# answer is a function of the URL, the Authorization header and the environment's state). Called
# from both sides: var's task variables are the request's on the client side and the fetch's on
# the backend side. A '#' is never part of a cacheable URL, so that the hash of URL and
# credential cannot be forged from a URL alone.
sub vexil_classify {
    var.set("cacheable", "");
    if (var.get("url") ~ "^/(sdk/(latest-all|poll|(latest-flags|latest-segments|flags)(/[^/?#]+)?|segments/[^/?#]+|evalx/([^/?#]+/)?(contexts|users)/[^/?#]+|goals/[^/?#]+)|msdk/evalx/(contexts|users)/[^/?#]+)(\?[^#]*)?$") {
        var.set("cacheable", "1");
    }
}

sub vcl_recv {
    if (req.method == "PURGE") {
        call vexil_purge;
    }
    # Floors and their requests are Varnish's to send (section 3), never a client's.
    unset req.http.X-Vexil-Min-Seq;
    unset req.http.X-Vexil-Min-Revision;
    unset req.http.X-Vexil-Env;
    unset req.http.X-Vexil-Seq;
    unset req.http.X-Vexil-Credential;
    unset req.http.X-Vexil-Revision;
    var.set("cache", "");
    var.set("url", req.url);
    call vexil_classify;

    # X-Forwarded-For is Varnish's own: the client's address appended before vcl_recv.
    set req.backend_hint = vexil_edges.backend();
    if (std.healthy(req.backend_hint)) {
        # Stale answers only while no edge is up (section 5).
        set req.grace = 0s;
    }

    # Streams and websockets go to an edge as they are (SDKs should reach the edges directly).
    if (req.http.Upgrade ||
        req.url ~ "^/(all|flags|mping|meval|sdk/stream|vexil/v1/stream|vexil/v1/relay)(\?|$)" ||
        req.url ~ "^/(eval|meval|ping|ofrep/v1/events)/") {
        return (pipe);
    }
    if ((req.method == "GET" || req.method == "HEAD") && var.get("cacheable") == "1") {
        # One value, as the edge reads it (a repeated header would be two credentials).
        std.collect(req.http.Authorization);
        return (hash);
    }
    var.set("cacheable", "");
    return (pass);
}

# PURGE from a purger (section 4): raise the floor, then drop the tag's objects. Always ends in a
# synth: 200 {"purged": n}, 400 when it names nothing, 403 from anyone else.
sub vexil_purge {
    if (client.ip !~ vexil_purgers) {
        return (synth(403, "Forbidden"));
    }
    var.set_int("purged", 0);
    var.set("named", "");
    # The tags are names without separators (xkey splits on spaces and commas); the floors are
    # integers, compared as such.
    if (req.http.X-Vexil-Env ~ "^[^\s,]{1,256}$" && req.http.X-Vexil-Seq ~ "^[0-9]{1,18}$") {
        var.set("floor-key", "s:" + req.http.X-Vexil-Env);
        var.set_int("floor", std.integer(req.http.X-Vexil-Seq, 0));
        call vexil_raise;
        var.set_int("purged",
            var.get_int("purged") + xkey.purge("vexil-env-" + req.http.X-Vexil-Env));
        call vexil_raise;
        var.set("named", "1");
    }
    if (req.http.X-Vexil-Credential ~ "^[^\s,]{1,256}$" &&
        req.http.X-Vexil-Revision ~ "^[0-9]{1,18}$") {
        var.set("floor-key", "d:" + req.http.X-Vexil-Credential);
        var.set_int("floor", std.integer(req.http.X-Vexil-Revision, 0));
        call vexil_raise;
        var.set_int("purged",
            var.get_int("purged") + xkey.purge("vexil-dir-" + req.http.X-Vexil-Credential));
        call vexil_raise;
        var.set("named", "1");
    }
    if (req.http.X-Vexil-Purge-All == "1") {
        var.set_int("purged", var.get_int("purged") + xkey.purge("vexil-all"));
        var.set("named", "1");
    }
    if (var.get("named") != "1") {
        return (synth(400, "Bad Request"));
    }
    return (synth(200, "Purged"));
}

# Raises the floor named "floor-key" (a global variable, kept across requests and VCL reloads) to
# "floor"; a floor is only ever raised. vmod var reads and writes under a lock but cannot compare
# and set in one step: two purges of one tag at the same instant could leave the lower floor, so
# a purge checks again after dropping its objects, before it answers.
sub vexil_raise {
    if (var.get_int("floor") > std.integer(var.global_get(var.get("floor-key")), 0)) {
        var.global_set(var.get("floor-key"), "" + var.get_int("floor"));
    }
}

# The cache key: the URL and the Authorization header as sent, nothing else (section 2).
sub vcl_hash {
    hash_data(req.url);
    if (req.http.Authorization) {
        hash_data(req.http.Authorization);
    }
    return (lookup);
}

# Sets the task variable "below" when the headers of an answer (copied into the task variables
# env, seq, credential and revision) were made from a state below a floor; a missing header
# skips its check. Also leaves the floors in "s-floor" and "d-floor".
sub vexil_floors {
    var.set("below", "");
    var.set_int("s-floor", std.integer(var.global_get("s:" + var.get("env")), 0));
    var.set_int("d-floor", std.integer(var.global_get("d:" + var.get("credential")), 0));
    if (var.get("env") != "" && var.get("seq") != "" &&
        std.integer(var.get("seq"), 0) < var.get_int("s-floor")) {
        var.set("below", "1");
    }
    if (var.get("credential") != "" && var.get("revision") != "" &&
        std.integer(var.get("revision"), 0) < var.get_int("d-floor")) {
        var.set("below", "1");
    }
}

sub vcl_hit {
    var.set("env", "" + obj.http.X-Vexil-Env);
    var.set("seq", "" + obj.http.X-Vexil-Seq);
    var.set("credential", "" + obj.http.X-Vexil-Credential);
    var.set("revision", "" + obj.http.X-Vexil-Revision);
    call vexil_floors;
    if (var.get("below") == "1") {
        # Older than a purge Varnish acknowledged: fetch it again instead.
        set req.hash_always_miss = true;
        return (restart);
    }
    if (obj.ttl <= 0s) {
        var.set("cache", "STALE");
    } else {
        var.set("cache", "HIT");
    }
    return (deliver);
}

sub vcl_miss {
    var.set("cache", "MISS");
    return (fetch);
}

sub vcl_pass {
    var.set("cache", "PASS");
    return (fetch);
}

sub vcl_pipe {
    if (req.http.Upgrade) {
        set bereq.http.Upgrade = req.http.Upgrade;
        set bereq.http.Connection = req.http.Connection;
    }
    return (pipe);
}

sub vcl_backend_fetch {
    if (bereq.method == "GET") {
        unset bereq.body;
    }
    if (bereq.retries > 0) {
        # A retry wants a whole answer at the floor, not a 304 about the object below it.
        unset bereq.http.If-None-Match;
        unset bereq.http.If-Modified-Since;
    }
    return (fetch);
}

sub vcl_backend_response {
    var.set("url", bereq.url);
    call vexil_classify;
    if (bereq.uncacheable || bereq.method != "GET" || var.get("cacheable") != "1") {
        return (deliver);
    }

    # A fetched answer below a floor is neither cached nor served (section 4).
    var.set("env", "" + beresp.http.X-Vexil-Env);
    var.set("seq", "" + beresp.http.X-Vexil-Seq);
    var.set("credential", "" + beresp.http.X-Vexil-Credential);
    var.set("revision", "" + beresp.http.X-Vexil-Revision);
    call vexil_floors;
    if (var.get("below") == "1") {
        if (bereq.retries < 3) {
            if (var.get("env") != "" && var.get_int("s-floor") > 0) {
                set bereq.http.X-Vexil-Min-Seq = var.get_int("s-floor");
            }
            if (var.get("credential") != "" && var.get_int("d-floor") > 0) {
                set bereq.http.X-Vexil-Min-Revision = var.get_int("d-floor");
            }
            return (retry);
        }
        return (abandon);
    }

    # Only an edge's 200 (a 304 merged into the stale object is one) that says how long to keep
    # it is stored; errors and anything else are never cached.
    std.collect(beresp.http.Surrogate-Control);
    if (beresp.status != 200 || !beresp.http.X-Vexil-Env || beresp.http.Set-Cookie ||
        beresp.http.Vary == "*" ||
        beresp.http.Surrogate-Control !~ "(?i)(^|[,\s])max-age\s*=\s*[0-9]{1,9}\s*(,|$)") {
        call vexil_uncacheable;
    }
    # The TTL and grace are Surrogate-Control's: Cache-Control (no-cache) is for the clients.
    set beresp.ttl = std.duration(integer = std.integer(regsub(beresp.http.Surrogate-Control,
        "(?i)^(.*[,\s])?max-age\s*=\s*([0-9]{1,9})\s*(,.*)?$", "\2"), 0));
    if (beresp.ttl <= 0s) {
        call vexil_uncacheable;
    }
    set beresp.grace = 0s;
    if (beresp.http.Surrogate-Control ~ "(?i)(^|[,\s])stale-if-error\s*=\s*[0-9]{1,9}\s*(,|$)") {
        set beresp.grace = std.duration(integer = std.integer(regsub(
            beresp.http.Surrogate-Control,
            "(?i)^(.*[,\s])?stale-if-error\s*=\s*([0-9]{1,9})\s*(,.*)?$", "\2"), 0));
    }
    set beresp.keep = 0s;

    # The tags a purge names: xkey, or the Surrogate-Key of edges run for Fastly.
    if (!beresp.http.xkey && beresp.http.Surrogate-Key) {
        std.collect(beresp.http.Surrogate-Key, " ");
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    if (beresp.http.xkey !~ "(^|[\s,])vexil-all([\s,]|$)") {
        set beresp.http.xkey = beresp.http.xkey + " vexil-all";
    }

    # A CORS answer echoes the Origin: stored once for every origin, echoed in vcl_deliver.
    if (beresp.http.Access-Control-Allow-Origin && beresp.http.Vary) {
        std.collect(beresp.http.Vary);
        set beresp.http.Vary = regsuball(beresp.http.Vary, "(?i)(^|,)\s*origin\s*(?=,|$)", "");
        set beresp.http.Vary = regsuball(beresp.http.Vary, "^[\s,]+|[\s,]+$", "");
        if (beresp.http.Vary == "") {
            unset beresp.http.Vary;
        }
    }
    return (deliver);
}

# Not stored: a short hit-for-miss (the next request fetches again, without waiting for others).
# A background refresh that gets such an answer leaves the stale object in place.
sub vexil_uncacheable {
    if (bereq.is_bgfetch) {
        return (abandon);
    }
    set beresp.ttl = 1s;
    set beresp.grace = 0s;
    set beresp.keep = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch) {
        return (abandon);
    }
    set beresp.ttl = 0s;
    set beresp.grace = 0s;
    set beresp.keep = 0s;
    set beresp.http.Content-Type = "application/json; charset=utf-8";
    set beresp.http.Cache-Control = "no-store";
    set beresp.http.Retry-After = "5";
    set beresp.body = """{"code":"UNAVAILABLE","message":"no edge answered: every edge is down or unreachable"}""";
    return (deliver);
}

sub vcl_deliver {
    if (!std.healthy(req.backend_hint)) {
        set resp.http.X-Vexil-Cache = "STALE";
    } else if (var.get("cache") != "") {
        set resp.http.X-Vexil-Cache = var.get("cache");
    } else {
        set resp.http.X-Vexil-Cache = "MISS";
    }
    if (var.get("cacheable") == "1" && resp.http.Access-Control-Allow-Origin) {
        if (req.http.Origin) {
            set resp.http.Access-Control-Allow-Origin = req.http.Origin;
        } else {
            set resp.http.Access-Control-Allow-Origin = "*";
        }
        if (resp.http.Vary) {
            set resp.http.Vary = resp.http.Vary + ", Origin";
        } else {
            set resp.http.Vary = "Origin";
        }
    }
    unset resp.http.Surrogate-Control;
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.X-Vexil-Env;
    unset resp.http.X-Vexil-Seq;
    unset resp.http.X-Vexil-Credential;
    unset resp.http.X-Vexil-Revision;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    return (deliver);
}

sub vcl_synth {
    set resp.http.Content-Type = "application/json; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    if (req.method == "PURGE") {
        if (resp.status == 200) {
            set resp.body = """{"purged":""" + var.get_int("purged") + "}";
        } else if (resp.status == 403) {
            set resp.body = """{"code":"FORBIDDEN","message":"this address may not purge (acl vexil_purgers)"}""";
        } else {
            set resp.body = """{"code":"BAD_REQUEST","message":"a purge names X-Vexil-Env and X-Vexil-Seq, X-Vexil-Credential and X-Vexil-Revision, or X-Vexil-Purge-All: 1"}""";
        }
        return (deliver);
    }
    if (!std.healthy(req.backend_hint)) {
        set resp.http.X-Vexil-Cache = "STALE";
    } else {
        set resp.http.X-Vexil-Cache = "MISS";
    }
    if (resp.status == 503) {
        set resp.http.Retry-After = "5";
        set resp.body = """{"code":"UNAVAILABLE","message":"no edge answered with data as recent as the latest purge"}""";
    } else {
        set resp.body = """{"code":"ERROR","message":"the cache could not answer (""" + resp.status + """)"}""";
    }
    return (deliver);
}
