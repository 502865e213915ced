vcl 4.1;

# The edges Varnish fetches from, and who may purge. Copy this file to vexil-backends.vcl in a
# directory on varnishd's vcl_path (deploy/varnish/README.md) and list your own: vexil.vcl
# includes it. Every edge is probed on /readyz, which answers 200 once the edge holds its
# environments; the round-robin director skips an edge that fails two probes of three.

probe vexil_readyz {
    .url = "/readyz";
    .interval = 1s;
    .window = 3;
    .threshold = 2;
    .timeout = 1s;
}

backend edge1 {
    .host = "127.0.0.1";
    .port = "8080";
    .probe = vexil_readyz;
}

backend edge2 {
    .host = "127.0.0.1";
    .port = "8081";
    .probe = vexil_readyz;
}

# Called from vexil.vcl's vcl_init: every edge above, in one round-robin director.
sub vexil_init {
    new vexil_edges = directors.round_robin();
    vexil_edges.add_backend(edge1);
    vexil_edges.add_backend(edge2);
}

# The addresses of the purgers (the processes run with --cdn-purge): only they may PURGE.
acl vexil_purgers {
    "127.0.0.1";
}
