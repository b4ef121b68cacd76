#!/usr/bin/env python3
"""Write the AdmissionReview bodies hack/bench.sh replays, shaped like what
kube-apiserver sends for pods a ReplicaSet creates: env vars, probes,
projected service-account volumes, managedFields and status. Deterministic,
so the committed files in tests/fixtures/bench/ can be regenerated exactly.
    hack/gen-bench-fixtures.py [OUT_DIR]"""
import copy
import json
import os
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "bench")


def env(n, name):
    out = [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
           {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
           {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": name + "-db", "key": "password"}}}]
    for i in range(n):
        out.append({"name": "%s_SETTING_%02d" % (name.upper().replace("-", "_"), i), "value": "value-%d-for-%s" % (i, name)})
    return out


def container(name, image, n_env, restricted=False):
    c = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/" + name],
        "args": ["--config=/etc/%s/config.yaml" % name, "--log-level=info", "--port=8080"],
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "env": env(n_env, name),
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/" + name, "readOnly": True},
                         {"name": "kube-api-access-x7k2p", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                          "readOnly": True}],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 10,
                          "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080, "scheme": "HTTP"}, "timeoutSeconds": 1,
                           "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3},
        "startupProbe": {"tcpSocket": {"port": 8080}, "timeoutSeconds": 1, "periodSeconds": 2, "successThreshold": 1,
                         "failureThreshold": 30},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if restricted:
        c["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                "readOnlyRootFilesystem": True}
    return c


def managed_fields(containers):
    ckeys = {}
    for c in containers:
        ckeys['k:{"name":"%s"}' % c["name"]] = {
            ".": {}, "f:args": {}, "f:command": {}, "f:env": {
                ".": {}, **{'k:{"name":"%s"}' % e["name"]: {".": {}, "f:name": {}, ("f:valueFrom" if "valueFrom" in e else "f:value"): {}}
                            for e in c["env"]}},
            "f:image": {}, "f:imagePullPolicy": {}, "f:livenessProbe": {".": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}}},
            "f:name": {}, "f:ports": {".": {}, 'k:{"containerPort":8080,"protocol":"TCP"}': {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
            "f:resources": {".": {}, "f:limits": {".": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
            "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {},
        }
    return [{
        "manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
        "time": "2026-11-28T10:15:02Z", "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
                                    "f:ownerReferences": {".": {}, 'k:{"uid":"3f1c2b7e-1d2a-4c55-9a8e-0b6f5d4c3a21"}': {}}},
                     "f:spec": {"f:containers": ckeys, "f:dnsPolicy": {}, "f:enableServiceLinks": {},
                                "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {},
                                "f:terminationGracePeriodSeconds": {}, "f:volumes": {".": {}, 'k:{"name":"config"}': {}}}},
    }]


def pod(name, n_containers, n_env, restricted=False, privileged=False):
    containers = [container("%s-%d" % (name, i) if i else name, "registry.example.com/team/%s:1.%d.0" % (name, i), n_env, restricted)
                  for i in range(n_containers)]
    if privileged:
        containers[0]["securityContext"] = {"privileged": True}
    init = [container(name + "-init", "registry.example.com/team/migrate:2.1.0", max(2, n_env // 3), restricted)]
    spec = {
        "volumes": [
            {"name": "config", "configMap": {"name": name + "-config", "defaultMode": 420}},
            {"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}},
        ],
        "initContainers": init,
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}} if restricted else {},
        "schedulerName": "default-scheduler",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
    }
    if privileged:
        spec["volumes"].append({"name": "host-root", "hostPath": {"path": "/", "type": "Directory"}})
    return {
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {
            "name": name + "-7d4b9c6f5-x2kqp", "generateName": name + "-7d4b9c6f5-", "namespace": "team-a",
            "uid": "9c1e4f5a-2b3d-4e6f-8a9b-1c2d3e4f5a6b", "creationTimestamp": None,
            "labels": {"app": name, "pod-template-hash": "7d4b9c6f5"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "9090",
                            "kubectl.kubernetes.io/restartedAt": "2026-11-28T10:00:00Z"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name + "-7d4b9c6f5",
                                 "uid": "3f1c2b7e-1d2a-4c55-9a8e-0b6f5d4c3a21", "controller": True, "blockOwnerDeletion": True}],
            "managedFields": managed_fields(containers),
        },
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "Burstable"},
    }


def review(uid, obj, resource=("", "v1", "pods"), kind=("", "v1", "Pod"), op="CREATE", old=None, name=""):
    req = {
        "uid": uid,
        "kind": {"group": kind[0], "version": kind[1], "kind": kind[2]},
        "resource": {"group": resource[0], "version": resource[1], "resource": resource[2]},
        "requestKind": {"group": kind[0], "version": kind[1], "kind": kind[2]},
        "requestResource": {"group": resource[0], "version": resource[1], "resource": resource[2]},
        "name": name, "namespace": "team-a", "operation": op,
        "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                     "uid": "5e6f7a8b-9c0d-4e1f-2a3b-4c5d6e7f8a9b",
                     "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]},
        "object": obj, "oldObject": old, "dryRun": False,
        "options": {"kind": "CreateOptions" if op == "CREATE" else "UpdateOptions", "apiVersion": "meta.k8s.io/v1"},
    }
    return {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": req}


def write(name, doc):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("%-24s %6d bytes" % (name, os.path.getsize(path)))


os.makedirs(OUT, exist_ok=True)
write("pod-6k.json", review("b1e2c3d4-0001-4a5b-8c9d-0e1f2a3b4c5d", pod("web", 1, 1)))
write("pod-11k.json", review("b1e2c3d4-0002-4a5b-8c9d-0e1f2a3b4c5d", pod("api", 3, 2)))
write("pod-22k.json", review("b1e2c3d4-0003-4a5b-8c9d-0e1f2a3b4c5d", pod("batch", 8, 1)))
old = pod("api", 3, 2)
new = copy.deepcopy(old)
new["spec"]["containers"][0]["image"] = "registry.example.com/team/api:1.0.1"
new["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"] = "2026-11-28T10:15:02Z"
write("pod-update.json", review("b1e2c3d4-0004-4a5b-8c9d-0e1f2a3b4c5d", new, op="UPDATE", old=old, name=new["metadata"]["name"]))
write("pod-denied.json", review("b1e2c3d4-0005-4a5b-8c9d-0e1f2a3b4c5d", pod("agent", 1, 1, privileged=True)))
tmpl = pod("api", 3, 2, restricted=True)
deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "api", "namespace": "team-a", "labels": {"app": "api"}, "generation": 1},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}},
                   "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                   "template": {"metadata": {"labels": {"app": "api"}}, "spec": tmpl["spec"]}}}
write("deployment.json", review("b1e2c3d4-0006-4a5b-8c9d-0e1f2a3b4c5d", deploy, resource=("apps", "v1", "deployments"),
                                kind=("apps", "v1", "Deployment"), name="api"))
