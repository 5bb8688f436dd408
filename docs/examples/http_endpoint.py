"""A new front end in one file: POST a command as JSON, get the outcome as JSON.

    CAP_LLM=openai:gpt-4o-mini python docs/examples/http_endpoint.py 8080
    curl -d '{"command": "put the red block in the blue bowl"}' localhost:8080

It uses only the Session face: open one, subscribe, command, report, close.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from cap.config import SessionConfig
from cap.llm.registry import load_model
from cap.session import Session
from sim.scene import SceneSpec

session = Session(SessionConfig(SceneSpec(("red", "green"), ("blue",), seed=0)), load_model())
session.subscribe(on_said=lambda message: print("robot:", message, file=sys.stderr))


class Endpoint(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        outcome = session.command(request["command"])
        body = json.dumps({"ok": outcome.ok, "error": outcome.error, "said": outcome.said,
                           "objects": session.ground_truth()}).encode()
        self.send_response(200 if outcome.ok else 422)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    with session:
        HTTPServer(("127.0.0.1", int(sys.argv[1])), Endpoint).serve_forever()
