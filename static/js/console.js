// The kubectl console: a line editor in xterm.js; each line goes to the console websocket
// (live/console.py), which runs it as the session's kubectl and streams the output back.
(function () {
  "use strict";
  const root = document.querySelector("[data-console]");
  if (!root || !window.Terminal || !window.FitAddon) return;
  const sessionId = document.body.dataset.sessionId;
  const PROMPT = "\x1b[32m$\x1b[0m ";
  const term = new window.Terminal({ convertEol: true, cursorBlink: true, fontSize: 13, rows: 14 });
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(root.querySelector(".terminal"));
  fit.fit();
  window.addEventListener("resize", () => fit.fit());

  const history = [];
  let historyIndex = 0;
  let line = "";
  let busy = false;
  let socket = null;
  let atLineStart = false; // the last output ended its line: the prompt needs no newline

  function prompt() {
    term.write((atLineStart ? "" : "\r\n") + PROMPT);
  }

  function redraw() {
    term.write("\r\x1b[K" + PROMPT + line);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws/sessions/${sessionId}/console/`);
    socket.onopen = () => {
      root.dataset.connected = "true";
      if (!busy) redraw();
    };
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "output") {
        term.write(data.data);
        atLineStart = data.data.endsWith("\n");
      } else if (data.type === "exit" || data.type === "refused") {
        if (data.type === "refused") term.write(`\x1b[33m${data.message}\x1b[0m\r\n`);
        if (data.type === "exit" && data.code > 0) term.write(`\x1b[2m(exit ${data.code})\x1b[0m\r\n`);
        atLineStart = data.type === "refused" || data.code > 0 || atLineStart;
        busy = false;
        prompt();
      }
    };
    socket.onclose = () => {
      root.dataset.connected = "false";
      if (busy) {
        busy = false;
        term.write("\r\n\x1b[33m(connection lost: the command was stopped)\x1b[0m");
      }
      setTimeout(connect, 1000);
    };
  }

  function submit() {
    term.write("\r\n");
    atLineStart = true;
    const text = line.trim();
    line = "";
    if (!text) {
      term.write(PROMPT);
      return;
    }
    history.push(text);
    historyIndex = history.length;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      term.write("\x1b[33m(not connected yet: try again in a moment)\x1b[0m");
      atLineStart = false;
      prompt();
      return;
    }
    busy = true;
    socket.send(JSON.stringify({ type: "run", line: text }));
  }

  function recall(step) {
    if (!history.length) return;
    historyIndex = Math.max(0, Math.min(history.length, historyIndex + step));
    line = history[historyIndex] || "";
    redraw();
  }

  term.onData((data) => {
    if (data === "\x03") {
      if (busy) socket.send(JSON.stringify({ type: "interrupt" }));
      else {
        line = "";
        term.write("^C");
        atLineStart = false;
        prompt();
      }
      return;
    }
    if (busy) return;
    if (data === "\x1b[A") return recall(-1);
    if (data === "\x1b[B") return recall(1);
    if (data.startsWith("\x1b")) return;
    for (const char of data) {
      if (char === "\r" || char === "\n") submit();
      else if (char === "\x7f") {
        if (line) {
          line = line.slice(0, -1);
          term.write("\b \b");
        }
      } else if (char >= " ") {
        line += char;
        term.write(char);
      }
    }
  });

  term.write(PROMPT);
  connect();
})();
