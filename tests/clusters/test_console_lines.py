"""Which console lines run, and how each refusal reads (clusters/console.py).

kubectl's flags are pflag's: `-it` is -i -t, `-fx` is -f x, `-ojson` is -o json
(github.com/spf13/pflag flag.go parseSingleShortArg), so a refused shorthand is found inside a
combined one too.
"""

from __future__ import annotations

import pytest

from clusters.console import ConsoleRefusal, parse_line


@pytest.mark.parametrize(
    ("line", "args"),
    [
        ("kubectl get pods", ["get", "pods"]),
        ("k get pods -o wide", ["get", "pods", "-o", "wide"]),
        ("kubectl -n lab get pods -w", ["-n", "lab", "get", "pods", "-w"]),
        (
            "kubectl run web --image=lab/web:1.0 --image-pull-policy=Never",
            ["run", "web", "--image=lab/web:1.0", "--image-pull-policy=Never"],
        ),
        (
            "kubectl run t -it --rm --image=busybox -- sh -c 'echo -f'",
            ["run", "t", "-it", "--rm", "--image=busybox", "--", "sh", "-c", "echo -f"],
        ),
        (
            "kubectl get pod web -ojsonpath='{.status.phase}'",
            ["get", "pod", "web", "-ojsonpath={.status.phase}"],
        ),
        (
            "kubectl create secret generic s --from-literal=a=b",
            ["create", "secret", "generic", "s", "--from-literal=a=b"],
        ),
        ("kubectl", ["help"]),
        ("kubectl --help", ["--help"]),
    ],
)
def test_lines_that_run(line: str, args: list[str]) -> None:
    assert parse_line(line) == args


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("", "type a kubectl command"),
        ("ls /etc", "ls: only kubectl runs here"),
        ("kubectl get pods; rm -rf /", None),  # no shell: `pods;` is just an odd name
        ("kubectl apply -f pod.yaml", "kubectl apply needs a file or an editor"),
        ("kubectl edit pod web", "kubectl edit needs a file or an editor"),
        ("kubectl proxy", "kubectl proxy is not available"),
        ("kubectl cp a:/x /tmp/x", "kubectl cp is not available"),
        ("kubectl create -f /etc/passwd", "-f: files are not read here"),
        ("kubectl create -fx", "-fx: files are not read here"),
        ("kubectl create --filename=/etc/passwd", "--filename: files are not read here"),
        (
            "kubectl create configmap c --from-file=/etc/passwd",
            "--from-file: files are not read here",
        ),
        ("kubectl get pods -s https://10.0.0.1", "-s: the console always talks"),
        ("kubectl get pods --server=https://10.0.0.1", "--server: the console always talks"),
        (
            "kubectl get pods --kubeconfig /root/.kube/config",
            "--kubeconfig: the console always uses",
        ),
        ("kubectl get pods --as=admin", "--as: the console always uses"),
        ("kubectl get pods --log-file=/tmp/x", "--log-file: the console does not write files"),
        ("kubectl get pods -o go-template-file=/etc/passwd", "template files are not read here"),
        ("kubectl get pods -ojsonpath-file=/etc/passwd", "template files are not read here"),
        ("kubectl get pods --template=/etc/passwd", "--template: template files"),
        ("kubectl get 'pods", "cannot read that line"),
    ],
)
def test_lines_refused_with_a_reason(line: str, says: str | None) -> None:
    if says is None:
        assert parse_line(line) == ["get", "pods;", "rm", "-rf", "/"]
        return
    with pytest.raises(ConsoleRefusal) as refused:
        parse_line(line)
    assert str(refused.value).startswith(says)
