/*
 * loadgen: holds many HTTP/1.1 server-sent-event streams and timestamps the messages that carry
 * a marker, for the fan-out benchmark (benchmarks/src/fanout). One process, one epoll loop; the
 * driver runs several of them because a process may not hold more than 20,000 files here.
 *
 * Each stream: connect from 127.0.0.<src> (spread over --src-first..--src-last so that 100k
 * streams do not exhaust one address's ephemeral ports), send the request, read the response
 * head (200 = held; anything else = refused), then decode the body (identity or chunked) as SSE:
 * lines, messages split on blank lines. A message whose event is `put` marks the stream synced
 * (re-synced after a reconnect). Any other message holding MARKER<digits> (e.g. vexilmark-17)
 * is a delivery of marker 17, timestamped with CLOCK_REALTIME at the read that completed it.
 *
 * The driver talks over stdin/stdout, one command or report per line:
 *   stdin   T <marker> <sent-us>   the wall-clock µs at which marker's change was sent
 *           S                      print a status line now (also printed every --status-ms)
 *           D                      dump per-marker latency histograms, then "E"
 *           Q                      close everything and exit (also on EOF)
 *   stdout  S key=value ...        counters (see print_status)
 *           H <marker> <count> <min> <max> <sum> <idx>:<n> ...   latencies (µs) in log buckets
 *           P <marker> <count>     deliveries whose send time never came
 *           E                      end of a dump
 *
 * A stream counts as connected when the first byte of its response body (the initial payload)
 * arrives (last_body_us: the latest such moment). A request whose connection ends, by EOF or
 * reset, before a single response byte is `unanswered`: a server must answer, even if only 503.
 *
 * Latency buckets: values below 128 µs are exact; above, 64 sub-buckets per power of two
 * (1.6 % resolution). benchmarks/src/fanout/histogram.ts decodes the same layout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define SUB 64
#define BUCKETS (SUB * 36)
#define HEAD_MAX 2048
#define LINE_PREFIX 12
#define WHEEL_SLOTS 1024
#define WHEEL_MS 10

enum { IDLE, CONNECTING, HEAD, BODY, WAITING, DONE };
enum { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_CR };

struct conn {
  int fd;
  uint8_t state, chunked, chunk_state, synced, ever_synced, line_len, is_put, mk_match, mk_digits,
      got_body,
      id_line, has_id, src;
  uint16_t failures;
  uint32_t chunk_left;
  uint32_t mk_value, msg_marker; /* msg_marker = marker + 1; 0 = none */
  uint64_t cur_id, last_id;
  char line[LINE_PREFIX];
  char *head;
  uint16_t head_len;
  int32_t next_timer; /* index of the next conn in the same wheel slot, -1 = none */
};

struct marker {
  int64_t sent_us; /* -1 = unknown yet */
  uint64_t count, sum, min, max;
  uint32_t *hist;
  uint64_t *pending; /* receipt times before sent_us was known */
  uint32_t npending, cap_pending;
};

static struct conn *conns;
static int nconns, epfd;
static struct sockaddr_in target;
static char *request;
static size_t request_len;
static char *request_resume; /* request + Last-Event-ID placeholder, built per reconnect */
static const char *marker = "vexilmark-";
static size_t marker_len;
static int src_first = 2, src_last = 60, src_offset = 0;
static int max_connecting = 256, reconnect = 0, base_ms = 250, cap_ms = 2000;
static int status_ms = 200, max_seconds = 600;
static struct marker *markers;
static int max_markers = 4096, last_told = -1;
static uint64_t started, est, refused, errors, eofs, reconnects, resynced, n_puts, open_now,
    synced_now, connecting_now, untracked;
static int64_t first_connect_us = 0, last_est_us = 0, last_sync_us = 0, last_body_us = 0;
/* Requests sent whose connection then ended (EOF or reset) before a single response byte. */
static uint64_t unanswered;
static int next_to_open = 0;
static int32_t wheel[WHEEL_SLOTS];
static uint64_t wheel_base_ms;
static uint32_t wheel_cursor;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int bucket_of(uint64_t v) {
  if (v < 2 * SUB) return (int)v;
  int msb = 63 - __builtin_clzll(v);
  int shift = msb - 6;
  int idx = (shift + 1) * SUB + (int)((v >> shift) - SUB);
  return idx < BUCKETS ? idx : BUCKETS - 1;
}

static void hist_add(struct marker *m, int64_t latency) {
  uint64_t v = latency < 0 ? 0 : (uint64_t)latency;
  if (m->hist == NULL) m->hist = calloc(BUCKETS, sizeof(uint32_t));
  m->hist[bucket_of(v)]++;
  if (m->count == 0 || v < m->min) m->min = v;
  if (v > m->max) m->max = v;
  m->count++;
  m->sum += v;
}

static void record(uint32_t id, int64_t at) {
  if (id >= (uint32_t)max_markers) {
    untracked++;
    return;
  }
  struct marker *m = &markers[id];
  if (m->sent_us >= 0) {
    hist_add(m, at - m->sent_us);
    return;
  }
  if (m->npending == m->cap_pending) {
    m->cap_pending = m->cap_pending ? m->cap_pending * 2 : 256;
    m->pending = realloc(m->pending, m->cap_pending * sizeof(uint64_t));
  }
  m->pending[m->npending++] = (uint64_t)at;
}

static void tell(uint32_t id, int64_t sent) {
  if (id >= (uint32_t)max_markers) return;
  struct marker *m = &markers[id];
  m->sent_us = sent;
  for (uint32_t i = 0; i < m->npending; i++) hist_add(m, (int64_t)m->pending[i] - sent);
  free(m->pending);
  m->pending = NULL;
  m->npending = m->cap_pending = 0;
  last_told = (int)id;
}

static void schedule(int i, uint32_t delay_ms) {
  if (delay_ms >= (WHEEL_SLOTS - 1) * WHEEL_MS) delay_ms = (WHEEL_SLOTS - 2) * WHEEL_MS;
  uint32_t slot = (wheel_cursor + 1 + delay_ms / WHEEL_MS) % WHEEL_SLOTS;
  conns[i].state = WAITING;
  conns[i].next_timer = wheel[slot];
  wheel[slot] = i;
}

static uint32_t backoff_ms(struct conn *c) {
  uint32_t d = (uint32_t)base_ms;
  for (int k = 0; k < c->failures && d < (uint32_t)cap_ms; k++) d *= 2;
  if (d > (uint32_t)cap_ms) d = (uint32_t)cap_ms;
  /* Full jitter: clients that lost their streams together do not come back together. */
  return (uint32_t)(((uint64_t)d * (uint64_t)(rand() % 1000)) / 1000);
}

static void drop(int i, int failed) {
  struct conn *c = &conns[i];
  if (c->fd >= 0) {
    close(c->fd);
    c->fd = -1;
    open_now--;
  }
  if (c->state == CONNECTING || c->state == HEAD) connecting_now--;
  free(c->head);
  c->head = NULL;
  if (c->synced) {
    c->synced = 0;
    synced_now--;
  }
  if (failed) c->failures++;
  else c->failures = 0;
  if (reconnect) schedule(i, backoff_ms(c));
  else c->state = DONE;
}

static int open_conn(int i) {
  struct conn *c = &conns[i];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    errors++;
    drop(i, 1);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in src = {0};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)c->src);
  if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
    close(fd);
    errors++;
    drop(i, 1);
    return -1;
  }
  c->fd = fd;
  open_now++;
  connecting_now++;
  started++;
  if (first_connect_us == 0) first_connect_us = now_us();
  c->state = CONNECTING;
  c->chunked = c->chunk_state = c->line_len = c->is_put = c->mk_match = c->mk_digits = 0;
  c->id_line = c->has_id = c->got_body = 0;
  c->msg_marker = 0;
  c->cur_id = 0;
  if (connect(fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) {
    errors++;
    drop(i, 1);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static void send_request(int i) {
  struct conn *c = &conns[i];
  const char *req = request;
  size_t len = request_len;
  if (c->last_id > 0) {
    /* Resume like an SDK: name the last event id we saw. request ends with "\r\n\r\n". */
    len = (size_t)sprintf(request_resume, "%.*sLast-Event-ID: %llu\r\n\r\n", (int)(request_len - 2),
                          request, (unsigned long long)c->last_id);
    req = request_resume;
  }
  ssize_t n = write(c->fd, req, len);
  if (n != (ssize_t)len) {
    errors++;
    drop(i, 1);
    return;
  }
  c->state = HEAD;
  c->head = malloc(HEAD_MAX);
  c->head_len = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void end_message(struct conn *c, int64_t at) {
  if (c->is_put) {
    n_puts++;
    if (!c->synced) {
      c->synced = 1;
      synced_now++;
      last_sync_us = at;
      if (c->ever_synced) resynced++;
      c->ever_synced = 1;
      c->failures = 0;
    }
  } else if (c->msg_marker) {
    record(c->msg_marker - 1, at);
  }
  if (c->has_id) c->last_id = c->cur_id;
  c->is_put = c->has_id = 0;
  c->msg_marker = 0;
}

static void end_line(struct conn *c) {
  if (c->line_len >= 6 && memcmp(c->line, "event:", 6) == 0) {
    int k = c->line[6] == ' ' ? 7 : 6;
    c->is_put = c->line_len == k + 3 && memcmp(c->line + k, "put", 3) == 0;
  }
  if (c->id_line) c->has_id = 1;
  c->line_len = 0;
  c->id_line = 0;
}

/* One byte of SSE: fields by line prefix, messages on blank lines, markers anywhere. */
static inline void sse_byte(struct conn *c, unsigned char ch, int64_t at) {
  if (c->mk_digits) {
    if (ch >= '0' && ch <= '9') {
      c->mk_value = c->mk_value * 10 + (uint32_t)(ch - '0');
      goto line;
    }
    c->mk_digits = 0;
    if (c->msg_marker == 0) c->msg_marker = c->mk_value + 1;
  }
  if (ch == (unsigned char)marker[c->mk_match]) {
    if (++c->mk_match == marker_len) {
      c->mk_match = 0;
      c->mk_digits = 1;
      c->mk_value = 0;
    }
  } else {
    c->mk_match = ch == (unsigned char)marker[0];
  }
line:
  if (ch == '\r') return;
  if (ch == '\n') {
    if (c->line_len == 0) end_message(c, at);
    else end_line(c);
    return;
  }
  if (c->line_len < LINE_PREFIX) {
    c->line[c->line_len] = (char)ch;
    if (c->line_len == 2 && memcmp(c->line, "id:", 3) == 0) {
      c->id_line = 1;
      c->cur_id = 0;
    }
  }
  if (c->line_len < 255) c->line_len++;
  if (c->id_line && ch >= '0' && ch <= '9') c->cur_id = c->cur_id * 10 + (uint64_t)(ch - '0');
}

/*
 * Bytes inside a line past its prefix matter only if they end the line or may start a marker:
 * skip the rest without the per-byte state machine (most of a 1 KB data line).
 */
static void sse_bytes(struct conn *c, const unsigned char *p, size_t n, int64_t at) {
  const unsigned char m0 = (unsigned char)marker[0];
  size_t k = 0;
  while (k < n) {
    if (c->line_len >= LINE_PREFIX && !c->id_line && !c->mk_match && !c->mk_digits) {
      size_t start = k;
      while (k < n && p[k] != '\n' && p[k] != m0) k++;
      size_t grown = c->line_len + (k - start);
      c->line_len = (uint8_t)(grown > 255 ? 255 : grown);
      if (k == n) return;
    }
    sse_byte(c, p[k++], at);
  }
}

static void body_bytes(struct conn *c, const unsigned char *p, size_t n, int64_t at) {
  /* "Connected": the first byte of the initial payload has arrived. */
  if (!c->got_body && n > 0) {
    c->got_body = 1;
    if (at > last_body_us) last_body_us = at;
  }
  if (!c->chunked) {
    sse_bytes(c, p, n, at);
    return;
  }
  for (size_t k = 0; k < n; k++) {
    unsigned char ch = p[k];
    switch (c->chunk_state) {
      case CH_SIZE:
        if (ch >= '0' && ch <= '9') c->chunk_left = c->chunk_left * 16 + (ch - '0');
        else if (ch >= 'a' && ch <= 'f') c->chunk_left = c->chunk_left * 16 + (ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') c->chunk_left = c->chunk_left * 16 + (ch - 'A' + 10);
        else if (ch == '\n') c->chunk_state = c->chunk_left ? CH_DATA : CH_DATA_CR;
        else c->chunk_state = CH_EXT;
        break;
      case CH_EXT:
        if (ch == '\n') c->chunk_state = c->chunk_left ? CH_DATA : CH_DATA_CR;
        break;
      case CH_DATA: {
        size_t take = n - k < c->chunk_left ? n - k : c->chunk_left;
        sse_bytes(c, p + k, take, at);
        k += take - 1;
        c->chunk_left -= (uint32_t)take;
        if (c->chunk_left == 0) c->chunk_state = CH_DATA_CR;
        break;
      }
      case CH_DATA_CR: /* the CRLF after a chunk's data */
        if (ch == '\n') {
          c->chunk_state = CH_SIZE;
          c->chunk_left = 0;
        }
        break;
    }
  }
}

static int header_has(const char *head, const char *name, const char *value) {
  size_t nl = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
      const char *v = p + 3 + nl;
      while (*v == ' ') v++;
      return strncasecmp(v, value, strlen(value)) == 0;
    }
  }
  return 0;
}

static void on_head(int i, const unsigned char *p, size_t n, int64_t at) {
  struct conn *c = &conns[i];
  size_t room = HEAD_MAX - 1 - c->head_len;
  size_t take = n < room ? n : room;
  memcpy(c->head + c->head_len, p, take);
  c->head_len += (uint16_t)take;
  c->head[c->head_len] = 0;
  char *end = strstr(c->head, "\r\n\r\n");
  if (end == NULL) {
    if (c->head_len >= HEAD_MAX - 1) {
      errors++;
      drop(i, 1);
    }
    return;
  }
  size_t head_size = (size_t)(end + 4 - c->head);
  int status = 0;
  if (sscanf(c->head, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
    if (refused == 0) {
      /* The first refusal, for the log: status, headers and what came of the body. */
      for (char *q = c->head; *q; q++)
        if (*q == '\r' || *q == '\n') *q = ' ';
      fprintf(stderr, "loadgen %d: first refusal: %.400s\n", (int)getpid(), c->head);
    }
    refused++;
    drop(i, 1);
    return;
  }
  c->chunked = (uint8_t)header_has(c->head, "transfer-encoding", "chunked");
  c->chunk_state = CH_SIZE;
  c->chunk_left = 0;
  connecting_now--;
  est++;
  last_est_us = at;
  c->state = BODY;
  size_t rest_offset = head_size - (c->head_len - take);
  char *head = c->head;
  c->head = NULL;
  if (rest_offset < n) body_bytes(c, p + rest_offset, n - rest_offset, at);
  free(head);
}

static unsigned char rbuf[65536];

static void on_readable(int i) {
  struct conn *c = &conns[i];
  for (int rounds = 0; rounds < 4; rounds++) {
    ssize_t n = read(c->fd, rbuf, sizeof rbuf);
    if (n > 0) {
      int64_t at = now_us();
      if (c->state == HEAD) on_head(i, rbuf, (size_t)n, at);
      else body_bytes(c, rbuf, (size_t)n, at);
      if (c->state != HEAD && c->state != BODY) return;
      if ((size_t)n < sizeof rbuf) return;
      continue;
    }
    if (n == 0) {
      /* Closed before the response head: the server turned the stream away. */
      if (c->state == HEAD && c->head_len == 0) unanswered++;
      if (c->state == HEAD) refused++;
      else eofs++;
      drop(i, c->state == HEAD);
      return;
    }
    if (errno == EAGAIN || errno == EINTR) return;
    if (c->state == HEAD && c->head_len == 0) unanswered++;
    errors++;
    drop(i, 1);
    return;
  }
}

static void on_writable(int i) {
  struct conn *c = &conns[i];
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    errors++;
    drop(i, 1);
    return;
  }
  send_request(i);
}

static void open_more(void) {
  while (next_to_open < nconns && connecting_now < (uint64_t)max_connecting)
    open_conn(next_to_open++);
}

static void run_wheel(void) {
  uint64_t now = mono_ms();
  while (wheel_base_ms + WHEEL_MS <= now) {
    wheel_base_ms += WHEEL_MS;
    wheel_cursor = (wheel_cursor + 1) % WHEEL_SLOTS;
    int32_t i = wheel[wheel_cursor];
    wheel[wheel_cursor] = -1;
    while (i >= 0) {
      int32_t next = conns[i].next_timer;
      conns[i].next_timer = -1;
      /* Reconnects also respect the connecting window: the rest wait one more slot. */
      if (connecting_now < (uint64_t)max_connecting) {
        reconnects++;
        open_conn(i);
      } else {
        schedule(i, WHEEL_MS);
      }
      i = next;
    }
  }
}

static void print_status(void) {
  printf("S t=%lld target=%d started=%llu est=%llu synced=%llu puts=%llu refused=%llu errors=%llu "
         "eof=%llu open=%llu connecting=%llu reconnects=%llu resynced=%llu untracked=%llu first_connect_us=%lld "
         "last_est_us=%lld last_sync_us=%lld last_body_us=%lld unanswered=%llu mk=%d:%llu\n",
         (long long)now_us(), nconns, (unsigned long long)started, (unsigned long long)est,
         (unsigned long long)synced_now, (unsigned long long)n_puts, (unsigned long long)refused,
         (unsigned long long)errors, (unsigned long long)eofs, (unsigned long long)open_now, (unsigned long long)connecting_now,
         (unsigned long long)reconnects, (unsigned long long)resynced,
         (unsigned long long)untracked, (long long)first_connect_us, (long long)last_est_us,
         (long long)last_sync_us, (long long)last_body_us, (unsigned long long)unanswered, last_told,
         (unsigned long long)(last_told >= 0 ? markers[last_told].count : 0));
  fflush(stdout);
}

static void dump(void) {
  for (int m = 0; m < max_markers; m++) {
    struct marker *mk = &markers[m];
    if (mk->npending) printf("P %d %u\n", m, mk->npending);
    if (mk->count == 0) continue;
    printf("H %d %llu %llu %llu %llu", m, (unsigned long long)mk->count,
           (unsigned long long)mk->min, (unsigned long long)mk->max,
           (unsigned long long)mk->sum);
    for (int b = 0; b < BUCKETS; b++)
      if (mk->hist[b]) printf(" %d:%u", b, mk->hist[b]);
    putchar('\n');
  }
  printf("E\n");
  fflush(stdout);
}

static char cmdbuf[4096];
static size_t cmdlen;

/* Returns 0 when the driver asked us to quit (or went away). */
static int on_stdin(void) {
  ssize_t n = read(0, cmdbuf + cmdlen, sizeof cmdbuf - 1 - cmdlen);
  if (n == 0) return 0;
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  cmdlen += (size_t)n;
  cmdbuf[cmdlen] = 0;
  char *line = cmdbuf, *nl;
  while ((nl = strchr(line, '\n')) != NULL) {
    *nl = 0;
    unsigned id;
    long long sent;
    if (line[0] == 'T' && sscanf(line + 1, "%u %lld", &id, &sent) == 2) tell(id, sent);
    else if (line[0] == 'S') print_status();
    else if (line[0] == 'D') dump();
    else if (line[0] == 'Q') return 0;
    line = nl + 1;
  }
  cmdlen = strlen(line);
  memmove(cmdbuf, line, cmdlen);
  if (cmdlen >= sizeof cmdbuf - 1) cmdlen = 0;
  return 1;
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --port P --conns N [--host 127.0.0.1] [--path /all] [--header 'K: V']...\n"
          "  [--marker vexilmark-] [--src-first 2] [--src-last 60] [--src-offset 0]\n"
          "  [--max-connecting 256] [--reconnect] [--base-ms 250] [--cap-ms 2000]\n"
          "  [--max-markers 4096] [--status-ms 200] [--max-seconds 600]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *path = "/all";
  int port = 0;
  char headers[8192] = "";
  size_t hlen = 0;
  for (int a = 1; a < argc; a++) {
    const char *k = argv[a];
    const char *v = a + 1 < argc ? argv[a + 1] : NULL;
    if (strcmp(k, "--reconnect") == 0) {
      reconnect = 1;
      continue;
    }
    if (v == NULL) usage();
    a++;
    if (strcmp(k, "--host") == 0) host = v;
    else if (strcmp(k, "--port") == 0) port = atoi(v);
    else if (strcmp(k, "--conns") == 0) nconns = atoi(v);
    else if (strcmp(k, "--path") == 0) path = v;
    else if (strcmp(k, "--header") == 0) {
      int w = snprintf(headers + hlen, sizeof headers - hlen, "%s\r\n", v);
      if (w < 0 || (size_t)w >= sizeof headers - hlen) usage();
      hlen += (size_t)w;
    } else if (strcmp(k, "--marker") == 0) marker = v;
    else if (strcmp(k, "--src-first") == 0) src_first = atoi(v);
    else if (strcmp(k, "--src-last") == 0) src_last = atoi(v);
    else if (strcmp(k, "--src-offset") == 0) src_offset = atoi(v);
    else if (strcmp(k, "--max-connecting") == 0) max_connecting = atoi(v);
    else if (strcmp(k, "--base-ms") == 0) base_ms = atoi(v);
    else if (strcmp(k, "--cap-ms") == 0) cap_ms = atoi(v);
    else if (strcmp(k, "--max-markers") == 0) max_markers = atoi(v);
    else if (strcmp(k, "--status-ms") == 0) status_ms = atoi(v);
    else if (strcmp(k, "--max-seconds") == 0) max_seconds = atoi(v);
    else usage();
  }
  marker_len = strlen(marker);
  if (port <= 0 || nconns <= 0 || nconns > 19000 || marker_len == 0 || marker_len > 64 ||
      src_first < 1 || src_last > 254 || src_last < src_first || max_markers <= 0 ||
      max_connecting <= 0 || max_seconds <= 0 || status_ms <= 0 || base_ms <= 0 || cap_ms <= 0)
    usage();
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &target.sin_addr) != 1) usage();
  request = malloc(9000 + strlen(path) + strlen(host));
  request_len = (size_t)sprintf(request, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n%s\r\n",
                                path, host, port, headers);
  request_resume = malloc(request_len + 64);

  signal(SIGPIPE, SIG_IGN);
  srand((unsigned)(getpid() ^ (unsigned)now_us()));
  conns = calloc((size_t)nconns, sizeof *conns);
  markers = calloc((size_t)max_markers, sizeof *markers);
  for (int m = 0; m < max_markers; m++) markers[m].sent_us = -1;
  int span = src_last - src_first + 1;
  for (int i = 0; i < nconns; i++) {
    conns[i].fd = -1;
    conns[i].next_timer = -1;
    conns[i].src = (uint8_t)(src_first + (i + src_offset) % span);
  }
  for (int s = 0; s < WHEEL_SLOTS; s++) wheel[s] = -1;
  wheel_base_ms = mono_ms();

  epfd = epoll_create1(EPOLL_CLOEXEC);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  struct epoll_event sev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &sev);

  static struct epoll_event events[1024];
  uint64_t deadline = mono_ms() + (uint64_t)max_seconds * 1000, next_status = 0;
  int running = 1;
  while (running && mono_ms() < deadline) {
    open_more();
    int n = epoll_wait(epfd, events, 1024, WHEEL_MS);
    for (int e = 0; e < n; e++) {
      uint32_t i = events[e].data.u32;
      if (i == UINT32_MAX) {
        if (!on_stdin()) running = 0;
        continue;
      }
      struct conn *c = &conns[i];
      if (c->state == CONNECTING) {
        if (events[e].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable((int)i);
      } else if (c->state == HEAD || c->state == BODY) {
        on_readable((int)i);
      }
    }
    run_wheel();
    uint64_t now = mono_ms();
    if (now >= next_status) {
      print_status();
      next_status = now + (uint64_t)status_ms;
    }
  }
  print_status();
  /* Reset rather than FIN: a benchmark run must not leave 100k sockets in TIME_WAIT. */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  for (int i = 0; i < nconns; i++) {
    if (conns[i].fd >= 0) {
      setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      close(conns[i].fd);
    }
  }
  return 0;
}
