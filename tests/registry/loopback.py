"""Shared by the test servers here: listen on 127.0.0.1:0, publish the port
the kernel chose in a file (written whole, then renamed, so a reader never
sees half a number), and serve until killed."""
import os
from http.server import ThreadingHTTPServer


def listen(handler):
    return ThreadingHTTPServer(("127.0.0.1", 0), handler)


def serve(srv, port_file):
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
