"""A fake Kubernetes API server for admitd's namespace reader: HTTPS on
127.0.0.1, a bearer token checked against a file the test rewrites
(rotation), an optional client certificate (its CN is recorded), and the
shapes of the Kubernetes API reference for v1: NamespaceList pages
(limit/continue, 410 Expired for a continue token older than the history),
one Namespace, the watch stream of WatchEvent objects (ADDED, MODIFIED,
DELETED, BOOKMARK, ERROR with a Status of reason Expired and code 410) as
chunked newline-delimited JSON, PodList pages, and Status answers (401,
404, 410).

A plain-HTTP control listener on another loopback port lets the test
script it:
  POST /reset                      forget everything (counters included)
  POST /ns?name=N&labels=k=v,k=v[&hidden=1]   create or relabel (an event unless hidden:
                                   a hidden namespace is only seen by GET)
  POST /delete?name=N              delete (a DELETED event)
  POST /bookmark                   a BOOKMARK at a new resourceVersion to every watch
  POST /expire?mode=event|http     history before now is gone: open watches get an ERROR
                                   410 event (event) or are cut (http), and a watch or a
                                   continue token from before answers 410
  POST /drop                       cut every open watch (no final chunk, no close_notify)
  POST /stall?on=1|0               open and new watches send nothing and stay open
  POST /pods?ns=N&n=COUNT[&nameless=1]   COUNT pods in N (without metadata.name: broken)
  POST /delay?get_ms=MS&pods_ms=MS delay each GET of a namespace / each pods page
  POST /fault?next=F               one fault, once: continue-410 (the next page asked with a
                                   continue token answers 410 Expired), garbage-list (the next
                                   namespace list page is not JSON), garbage-event (open watches
                                   send a line that is not JSON), blank-event (open watches
                                   send a line of 4096 spaces); stuck-list (every namespace
                                   list page, until reset: no items and the same continue
                                   token) and stuck-list-one (the same, with one item);
                                   gone-watch (every watch, until reset, answers 410) and
                                   brief-watch (every watch sends a BOOKMARK and ends)
  GET  /stats                      counters and what the last requests carried (JSON)
Both ports are written to files once listening; the test stops it by PID.
"""
import argparse
import base64
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "registry"))
from loopback import Handler, listen, publish, serve  # noqa: E402


def status(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return s


class State:
    def __init__(self, token_file):
        self.lock = threading.Condition()
        self.token_file = token_file
        self.open_watches = 0   # not reset: watches of an earlier test may still be closing
        with self.lock:
            self.reset()

    def reset(self):
        self.rv = 1000
        self.ns = {}            # name -> (labels, uid, rv, hidden)
        self.history = []       # (rv, type, object) of every visible change
        self.floor = 0          # watches and continue tokens from before this rv are gone
        self.expire_mode = "event"
        self.expire_gen = 0
        self.drop_gen = 0
        self.stall = False
        self.bookmarks = []     # (rv, object) sent to the watches open at the time
        self.pods = {}
        self.get_delay = 0.0
        self.pods_delay = 0.0
        self.fault = ""
        self.stats = {"lists": 0, "list_pages": 0, "watches": 0, "gets": 0, "pod_pages": 0,
                      "auth_failures": 0, "last_token": "", "last_watch_rv": "", "last_client_cn": "",
                      "last_list_limit": ""}
        for name in ("default", "kube-system"):
            self.set_ns(name, {}, False)

    def namespace(self, name, full=True):
        labels, uid, rv, _ = self.ns[name]
        obj = {"metadata": {"name": name, "uid": uid, "resourceVersion": str(rv),
                            "creationTimestamp": "2024-05-01T10:00:00Z",
                            "labels": dict({"kubernetes.io/metadata.name": name}, **labels),
                            "managedFields": [{"manager": "kubectl-label", "operation": "Update",
                                               "apiVersion": "v1", "time": "2024-05-01T10:00:00Z",
                                               "fieldsType": "FieldsV1",
                                               "fieldsV1": {"f:metadata": {"f:labels": {}}}}]},
               "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
        if full:
            obj = dict({"kind": "Namespace", "apiVersion": "v1"}, **obj)
        return obj

    def set_ns(self, name, labels, hidden):
        self.rv += 1
        kind = "MODIFIED" if name in self.ns else "ADDED"
        uid = self.ns[name][1] if name in self.ns else "uid-%s-%d" % (name, self.rv)
        self.ns[name] = (labels, uid, self.rv, hidden)
        if not hidden:
            self.history.append((self.rv, kind, self.namespace(name)))
        self.lock.notify_all()

    def delete_ns(self, name):
        if name not in self.ns:
            return
        self.rv += 1
        obj = self.namespace(name)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        hidden = self.ns.pop(name)[3]
        if not hidden:
            self.history.append((self.rv, "DELETED", obj))
        self.lock.notify_all()


class Api(Handler):
    state = None

    def authorized(self):
        st = self.state
        with open(st.token_file) as f:
            want = "Bearer " + f.read().strip()
        got = self.headers.get("Authorization", "")
        with st.lock:
            cert = self.connection.getpeercert()
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            st.stats["last_client_cn"] = v
            if got != want:
                st.stats["auth_failures"] += 1
                return False
            st.stats["last_token"] = got[len("Bearer "):]
        return True

    def send_json(self, code, obj):
        self.reply(code, json.dumps(obj).encode())

    def do_GET(self):
        if not self.authorized():
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        parts = u.path.strip("/").split("/")
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 3:
            if q.get("watch") in ("1", "true"):
                return self.watch(q)
            return self.list_namespaces(q)
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 4:
            return self.get_namespace(parts[3])
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) == 5 and parts[4] == "pods":
            return self.list_pods(parts[3], q)
        self.send_json(404, status(404, "NotFound", "the server could not find the requested resource"))

    # -- lists ------------------------------------------------------------

    def page(self, names, q, kind, item):
        """One page of names (sorted) after the continue token, as kind."""
        st = self.state
        limit = int(q.get("limit", "0") or 0)
        start, list_rv = 0, st.rv
        if q.get("continue"):
            tok = json.loads(base64.b64decode(q["continue"]))
            start, list_rv = tok["start"], tok["rv"]
            if list_rv < st.floor or st.fault == "continue-410":
                st.fault = ""
                return 410, status(410, "Expired", "The provided continue parameter is too old to display a "
                                   "consistent list result. You can start a new list without the continue "
                                   "parameter.")
        chunk = names[start:start + limit] if limit else names[start:]
        meta = {"resourceVersion": str(list_rv)}
        if limit and start + limit < len(names):
            meta["continue"] = base64.b64encode(json.dumps(
                {"start": start + limit, "rv": list_rv}).encode()).decode()
            meta["remainingItemCount"] = len(names) - start - limit
        return 200, {"kind": kind, "apiVersion": "v1", "metadata": meta, "items": [item(n) for n in chunk]}

    def list_namespaces(self, q):
        st = self.state
        with st.lock:
            st.stats["list_pages"] += 1
            st.stats["last_list_limit"] = q.get("limit", "")
            if not q.get("continue"):
                st.stats["lists"] += 1
            names = sorted(n for n, v in st.ns.items() if not v[3])
            code, body = self.page(names, q, "NamespaceList", lambda n: st.namespace(n, full=False))
            garbage = st.fault == "garbage-list"
            if garbage:
                st.fault = ""
            if st.fault.startswith("stuck-list"):
                # Not once: every page is the same, empty or not, with the same token.
                items = [] if st.fault == "stuck-list" else body.get("items", [])[:1]
                token = base64.b64encode(json.dumps({"start": 0, "rv": st.rv}).encode()).decode()
                body = {"kind": "NamespaceList", "apiVersion": "v1", "items": items,
                        "metadata": {"resourceVersion": str(st.rv), "continue": token}}
        if garbage:
            return self.reply(200, b"{\"kind\": \"NamespaceList\", \"items\": [")
        self.send_json(code, body)

    def get_namespace(self, name):
        st = self.state
        time.sleep(st.get_delay)
        with st.lock:
            st.stats["gets"] += 1
            if name not in st.ns:
                body = status(404, "NotFound", 'namespaces "%s" not found' % name,
                              {"name": name, "kind": "namespaces"})
                return self.send_json(404, body)
            body = st.namespace(name)
        self.send_json(200, body)

    def list_pods(self, ns, q):
        st = self.state
        time.sleep(st.pods_delay)
        with st.lock:
            st.stats["pod_pages"] += 1
            pods = st.pods.get(ns, [])
            names = list(range(len(pods)))

            def item(i):
                return pods[i]
            code, body = self.page(names, q, "PodList", item)
        self.send_json(code, body)

    # -- watch ------------------------------------------------------------

    def chunk(self, obj):
        data = json.dumps(obj).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def cut(self):
        """Drop the connection as a crashed server would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # no close_notify: shutdown, not unwrap
        except OSError:
            pass

    def watch(self, q):
        st = self.state
        rv = int(q.get("resourceVersion", "0") or 0)
        timeout = float(q.get("timeoutSeconds", "300"))
        with st.lock:
            st.stats["watches"] += 1
            st.stats["last_watch_rv"] = q.get("resourceVersion", "")
            too_old = rv < st.floor
            http_gone = (too_old and st.expire_mode == "http") or st.fault == "gone-watch"
            brief = st.fault == "brief-watch"
        if http_gone:
            return self.send_json(410, status(410, "Expired", "too old resource version: %d (%d)" % (rv, st.floor)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if brief:
            self.chunk({"type": "BOOKMARK", "object": {"kind": "Namespace", "apiVersion": "v1",
                                                       "metadata": {"resourceVersion": str(rv)}}})
            self.wfile.write(b"0\r\n\r\n")
            return
        if too_old:
            self.chunk({"type": "ERROR", "object": status(410, "Expired", "too old resource version: %d (%d)"
                                                          % (rv, st.floor))})
            self.wfile.write(b"0\r\n\r\n")
            return
        deadline = time.monotonic() + timeout
        sent = rv
        with st.lock:
            drop_gen, expire_gen = st.drop_gen, st.expire_gen
            nbook = len(st.bookmarks)
            st.open_watches += 1
        try:
            while True:
                with st.lock:
                    st.lock.wait_for(lambda: st.drop_gen != drop_gen or st.expire_gen != expire_gen
                                     or st.fault in ("garbage-event", "blank-event")
                                     or (not st.stall and (len(st.bookmarks) > nbook
                                                           or (st.history and st.history[-1][0] > sent)))
                                     or time.monotonic() >= deadline, timeout=0.2)
                    if st.drop_gen != drop_gen:
                        return self.cut()
                    garbage = st.fault == "garbage-event"
                    blank = st.fault == "blank-event"
                    if garbage or blank:
                        st.fault = ""
                    if st.expire_gen != expire_gen:
                        msg = "too old resource version: %d (%d)" % (sent, st.floor)
                        expired = True
                    else:
                        expired = False
                    out = [] if st.stall else [e for e in st.history if e[0] > sent]
                    books = [] if st.stall else st.bookmarks[nbook:]
                    if not st.stall:
                        nbook = len(st.bookmarks)
                if garbage:
                    data = b'{"type": "MODIFIED", "object": \n'
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                if blank:
                    data = b" " * 4096 + b"\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                if expired:
                    self.chunk({"type": "ERROR", "object": status(410, "Expired", msg)})
                    self.wfile.write(b"0\r\n\r\n")
                    return
                for ev_rv, kind, obj in out:
                    self.chunk({"type": kind, "object": obj})
                    sent = ev_rv
                for b_rv, obj in books:
                    if b_rv > sent:
                        self.chunk({"type": "BOOKMARK", "object": obj})
                        sent = b_rv
                if time.monotonic() >= deadline and not st.stall:
                    self.wfile.write(b"0\r\n\r\n")
                    return
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            with st.lock:
                st.open_watches -= 1


class Control(Handler):
    state = None

    def do_GET(self):
        with self.state.lock:
            body = json.dumps(dict(self.state.stats, rv=str(self.state.rv),
                                   open_watches=self.state.open_watches)).encode()
        self.reply(200, body)

    def do_POST(self):
        st = self.state
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        with st.lock:
            if u.path == "/reset":
                st.drop_gen += 1
                st.lock.notify_all()
                drop_gen = st.drop_gen
                st.reset()
                st.drop_gen = drop_gen
            elif u.path == "/ns":
                labels = dict(kv.split("=", 1) for kv in q.get("labels", "").split(",") if kv)
                st.set_ns(q["name"], labels, q.get("hidden") == "1")
            elif u.path == "/delete":
                st.delete_ns(q["name"])
            elif u.path == "/bookmark":
                st.rv += 1
                st.bookmarks.append((st.rv, {"kind": "Namespace", "apiVersion": "v1",
                                             "metadata": {"resourceVersion": str(st.rv), "creationTimestamp": None},
                                             "spec": {}, "status": {}}))
                st.lock.notify_all()
            elif u.path == "/expire":
                st.rv += 1
                st.floor = st.rv
                st.expire_mode = q.get("mode", "event")
                if st.expire_mode == "http":
                    st.drop_gen += 1
                else:
                    st.expire_gen += 1
                st.lock.notify_all()
            elif u.path == "/drop":
                st.drop_gen += 1
                st.lock.notify_all()
            elif u.path == "/stall":
                st.stall = q.get("on") == "1"
                st.lock.notify_all()
            elif u.path == "/pods":
                ns = q["ns"]
                st.pods[ns] = [{"metadata": {"name": "p%d" % i, "namespace": ns, "uid": "pod-uid-%d" % i,
                                             "resourceVersion": str(st.rv), "labels": {"app": "demo"}},
                                "spec": {"containers": [{"name": "app", "image": "nginx:1.25",
                                                         "securityContext": {"privileged": i % 2 == 0}}]},
                                "status": {"phase": "Running"}} for i in range(int(q["n"]))]
                if q.get("nameless") == "1":
                    for p in st.pods[ns]:
                        del p["metadata"]["name"]
            elif u.path == "/fault":
                st.fault = q["next"]
                st.lock.notify_all()
            elif u.path == "/delay":
                st.get_delay = int(q.get("get_ms", "0")) / 1000.0
                st.pods_delay = int(q.get("pods_ms", "0")) / 1000.0
            else:
                return self.reply(404, b"{}")
        self.reply(200, b"{}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca")
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--ctl-port-file", required=True)
    a = ap.parse_args()
    state = State(a.token_file)
    Api.state = Control.state = state

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        ctx.load_verify_locations(a.client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    api = listen(Api)
    api.daemon_threads = True
    api.socket = ctx.wrap_socket(api.socket, server_side=True)
    ctl = listen(Control)
    ctl.daemon_threads = True
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    publish(a.ctl_port_file, str(ctl.server_address[1]))
    return serve(api, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
