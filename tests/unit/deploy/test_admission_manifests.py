"""deploy/admission/: every file parses, and the pieces agree with each other and with the
webhook (service, port, paths, RBAC, CRD group/versions/kinds; oci-and-policy.md §3.1, §3.3)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.routing import Route

from sigstack.core.admission import SUPPORTED_KINDS
from sigstack.services.admission.app import INCLUDE_LABEL, AdmissionSettings, create_app
from sigstack.services.admission.kube import CLUSTER_IMAGE_POLICIES, NAMESPACES, TRUST_ROOTS

DEPLOY = Path(__file__).parents[3] / "deploy" / "admission"
GROUP = "policy.sigstore.dev"
#: kind → resource, as the API server names them (UnsafeGuessKindToResource)
RESOURCES = {"Pod": "pods", "PodTemplate": "podtemplates", "Deployment": "deployments",
             "ReplicaSet": "replicasets", "StatefulSet": "statefulsets",
             "DaemonSet": "daemonsets", "Job": "jobs", "CronJob": "cronjobs"}  # fmt: skip


def load_all() -> dict[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(DEPLOY.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            assert isinstance(doc, dict), path
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path
            by_kind[doc["kind"]].append(doc)
    return by_kind


DOCS = load_all()


def one(kind: str) -> dict[str, Any]:
    [doc] = DOCS[kind]
    return doc


def webhooks() -> list[tuple[str, dict[str, Any]]]:
    return [(kind, hook) for kind in ("MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration") for hook in one(kind)["webhooks"]]  # fmt: skip


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    files = {p.name for p in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def test_webhooks_call_the_service_on_the_apps_paths() -> None:
    service = one("Service")
    app_paths = {r.path for r in create_app(AdmissionSettings(), [], None).routes
                 if isinstance(r, Route)}  # fmt: skip
    expected = {"MutatingWebhookConfiguration": "/mutations",
                "ValidatingWebhookConfiguration": "/validations"}  # fmt: skip
    for kind, hook in webhooks():
        target = hook["clientConfig"]["service"]
        assert target["name"] == service["metadata"]["name"] == "webhook"
        assert target["namespace"] == service["metadata"]["namespace"] == "cosign-system"
        assert target["port"] in [p["port"] for p in service["spec"]["ports"]]
        assert target["path"] == expected[kind]
        assert target["path"] in app_paths
        assert "caBundle" in hook["clientConfig"]


def test_webhook_settings_match_policy_controller() -> None:
    for kind, hook in webhooks():
        config = one(kind)
        assert config["metadata"]["name"] == hook["name"] == "policy.sigstore.dev"
        assert hook["failurePolicy"] == "Fail"
        assert hook["sideEffects"] == "None"
        assert hook["timeoutSeconds"] == 25
        assert hook["timeoutSeconds"] > AdmissionSettings().timeout
        assert hook["admissionReviewVersions"] == ["v1"]
        assert hook["namespaceSelector"] == {"matchExpressions": [
            {"key": INCLUDE_LABEL, "operator": "In", "values": ["true"]}]}  # fmt: skip
        assert ("reinvocationPolicy" in hook) == (kind == "MutatingWebhookConfiguration")
    [(_, mutating)] = [(k, h) for k, h in webhooks() if k.startswith("Mutating")]
    assert mutating["reinvocationPolicy"] == "IfNeeded"


@pytest.mark.parametrize("kind", ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"])
def test_rules_cover_exactly_the_checked_kinds(kind: str) -> None:
    [hook] = one(kind)["webhooks"]
    covered = set()
    for rule in hook["rules"]:
        assert rule["operations"] == ["CREATE", "UPDATE"]
        assert rule["scope"] == "Namespaced"
        for group in rule["apiGroups"]:
            for version in rule["apiVersions"]:
                covered |= {(group, version, r) for r in rule["resources"]}
    wanted = {(g, v, RESOURCES[k]) for g, v, k in SUPPORTED_KINDS}
    wanted.add(("", "v1", "pods/ephemeralcontainers"))
    assert covered == wanted


def test_service_reaches_the_container_port() -> None:
    service, deployment = one("Service"), one("Deployment")
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    [container] = pod["spec"]["containers"]
    ports = [p["containerPort"] for p in container["ports"]]
    [port] = service["spec"]["ports"]
    assert port["targetPort"] in ports
    assert f"--port={port['targetPort']}" in container["args"]
    assert container["args"][:2] == ["serve", "admission"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"


def test_deployment_mounts_what_its_flags_name() -> None:
    deployment = one("Deployment")
    spec = deployment["spec"]["template"]["spec"]
    [container] = spec["containers"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"] for v in spec["volumes"]}
    for arg in container["args"]:
        if arg.startswith(("--tls-cert=", "--tls-key=", "--trust-config=", "--data-dir=")):
            path = arg.split("=", 1)[1]
            mount = next(m for m in mounts if path == m or path.startswith(m + "/"))
            assert mounts[mount] in volumes


def test_rbac_lets_the_service_account_watch_what_the_webhook_reads() -> None:
    account, role, binding = one("ServiceAccount"), one("ClusterRole"), one("ClusterRoleBinding")
    deployment = one("Deployment")
    assert (
        deployment["spec"]["template"]["spec"]["serviceAccountName"] == account["metadata"]["name"]
    )
    assert account["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": role["metadata"]["name"]}  # fmt: skip
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"],
                                    "namespace": account["metadata"]["namespace"]}]  # fmt: skip
    granted = {(group, resource): set(rule["verbs"]) for rule in role["rules"]
               for group in rule["apiGroups"] for resource in rule["resources"]}  # fmt: skip
    for path, _, _ in (CLUSTER_IMAGE_POLICIES, TRUST_ROOTS, NAMESPACES):
        parts = path.strip("/").split("/")
        group = parts[1] if parts[0] == "apis" else ""
        assert granted[(group, parts[-1])] == {"get", "list", "watch"}, path
    assert all(verbs <= {"get", "list", "watch"} for verbs in granted.values())


def test_crds_serve_what_the_webhook_watches() -> None:
    crds = {c["spec"]["names"]["kind"]: c for c in DOCS["CustomResourceDefinition"]}
    assert set(crds) == {"ClusterImagePolicy", "TrustRoot"}
    for kind, crd in crds.items():
        spec = crd["spec"]
        assert spec["group"] == GROUP and spec["scope"] == "Cluster"
        assert crd["metadata"]["name"] == f"{spec['names']['plural']}.{GROUP}"
        assert sum(v["storage"] for v in spec["versions"]) == 1, kind
    versions = {
        k: {v["name"] for v in c["spec"]["versions"] if v["served"]} for k, c in crds.items()
    }
    assert versions == {"ClusterImagePolicy": {"v1alpha1", "v1beta1"}, "TrustRoot": {"v1alpha1"}}
    for path, api_version, kind in (CLUSTER_IMAGE_POLICIES, TRUST_ROOTS):
        plural = path.rsplit("/", 1)[1]
        assert crds[kind]["spec"]["names"]["plural"] == plural
        assert path == f"/apis/{api_version}/{plural}"
        assert api_version.split("/")[1] in versions[kind]


def _unknown(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    """Fields of ``value`` the structural schema does not declare (a naive walk)."""
    if isinstance(value, dict) and schema.get("type") == "object":
        if schema.get("x-kubernetes-preserve-unknown-fields") or "additionalProperties" in schema:
            return []
        props = schema.get("properties", {})
        out = [f"{path}.{k}" for k in value if k not in props]
        return out + [e for k, v in value.items() if k in props
                      for e in _unknown(v, props[k], f"{path}.{k}")]  # fmt: skip
    if isinstance(value, list) and schema.get("type") == "array":
        return [
            e for i, v in enumerate(value) for e in _unknown(v, schema["items"], f"{path}[{i}]")
        ]
    return []


FULL_CIP = """
images: [{glob: "registry.example.com/team/**"}]
mode: enforce
match: [{group: apps, version: v1, resource: deployments, selector: {matchLabels: {app: x}}}]
authorities:
- name: authority-0
  key: {data: "PEM", kms: "k", secretRef: {name: s}, hashAlgorithm: sha256}
  source: [{oci: r/sigs, signaturePullSecrets: [{name: regcred}], tagPrefix: p-}]
  ctlog: {url: https://rekor, trustRootRef: tr}
  rfc3161timestamp: {trustRootRef: tsa}
  signatureFormat: legacy
  attestations:
  - name: must-have-slsa
    predicateType: https://slsa.dev/provenance/v1
    policy: {type: cue, data: "x", configMapRef: {name: c, namespace: n, key: k},
             remote: {url: https://x, sha256sum: abc}}
- keyless:
    url: https://fulcio
    ca-cert: {data: "PEM"}
    trustRootRef: tr
    insecureIgnoreSCT: false
    identities: [{issuer: i, subjectRegExp: s}, {issuerRegExp: i, subject: s}]
- static: {action: fail, message: no}
policy: {type: cue, data: "x", fetchConfigFile: true, includeSpec: true, includeObjectMeta: true,
         includeTypeMeta: true}
"""

FULL_TRUST_ROOT = """
remote: {root: b64, mirror: https://tuf, targets: targets, trustedRootTarget: trusted_root.json}
repository: {root: b64, mirrorFS: b64, targets: t, trustedRootTarget: r}
sigstoreKeys:
  certificateAuthorities: [{subject: {organization: o, commonName: c}, uri: u, certChain: b64}]
  tLogs: [{baseURL: u, hashAlgorithm: sha-256, publicKey: b64}]
  ctLogs: [{baseURL: u, hashAlgorithm: sha-256, publicKey: b64}]
  timestampAuthorities: [{subject: {organization: o, commonName: c}, uri: u, certChain: b64}]
"""


@pytest.mark.parametrize(("kind", "spec"), [("ClusterImagePolicy", FULL_CIP),
                                            ("TrustRoot", FULL_TRUST_ROOT)])  # fmt: skip
def test_crd_schemas_declare_every_field_of_the_spec(kind: str, spec: str) -> None:
    [crd] = [c for c in DOCS["CustomResourceDefinition"] if c["spec"]["names"]["kind"] == kind]
    for version in crd["spec"]["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        assert _unknown({"spec": yaml.safe_load(spec)}, schema, "") == []
    # and the walk does notice an undeclared field
    assert _unknown({"spec": {"bogus": 1}}, schema, "") == [".spec.bogus"]
