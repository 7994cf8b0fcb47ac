"""A quiet standard-library HTTP handler that answers JSON: the base of the small test servers."""

import json
from http.server import BaseHTTPRequestHandler


class QuietJSONHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        # These servers run inside tests and beside kind; their access log is noise there.
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
