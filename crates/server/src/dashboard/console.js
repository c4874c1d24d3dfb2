// Wharf's console: the vendored xterm.js terminal connected over a websocket to a one-off
// command of the app (the messages are described in dashboard/console_socket.rs). The form's
// command line is the first message; then keys go as binary messages, resizes as
// {"resize":[rows,cols]}, and the command's output comes back until {"exit":N} or {"error":"..."}.
//
// The terminal is as wide as its box (columns from the width of one character of its font,
// measured here: no fit add-on to vendor) and 24 rows high. On a phone that gives a narrow
// terminal rather than an 80-column one to scroll sideways: a shell wraps its lines to the
// columns it is told, while a sideways scroll hides the cursor's end of a line.
"use strict";

(() => {
  const box = document.getElementById("terminal");
  const form = document.getElementById("console-form");
  if (!box || !form || typeof Terminal !== "function") return;
  const field = document.getElementById("console-command");
  const button = form.querySelector("button");
  const status = document.getElementById("console-status");
  const fontFamily = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace';
  const fontSize = 14;
  const rows = 24;

  // How many columns of the terminal's font fit in its box (a column or two spare for the
  // scroll bar), at least 20.
  const columns = () => {
    const probe = document.createElement("span");
    probe.textContent = "W".repeat(100);
    probe.style.fontFamily = fontFamily;
    probe.style.fontSize = fontSize + "px";
    probe.style.position = "absolute";
    probe.style.visibility = "hidden";
    probe.style.whiteSpace = "pre";
    document.body.append(probe);
    const width = probe.getBoundingClientRect().width / 100;
    probe.remove();
    const padding = parseFloat(getComputedStyle(box).paddingLeft) * 2 || 0;
    const room = box.clientWidth - padding;
    return Math.max(20, Math.floor(room / (width || 8)) - 2);
  };

  const term = new Terminal({ rows, cols: columns(), fontFamily, fontSize, cursorBlink: true, scrollback: 5000 });
  term.open(box);
  form.hidden = false;

  let socket = null;
  const say = (text) => { status.textContent = text; };
  const send = (data) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(data);
  };
  const encoder = new TextEncoder();
  term.onData((data) => send(encoder.encode(data)));
  term.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
  term.onResize(({ rows, cols }) => send(JSON.stringify({ resize: [rows, cols] })));
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      const cols = columns();
      if (cols !== term.cols) term.resize(cols, term.rows);
    }, 150);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (socket) return;
    const command = field.value.trim();
    if (!command) return;
    term.reset();
    const url = new URL(box.dataset.socket, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    socket = ws;
    button.disabled = true;
    let ended = false;
    say("Starting " + command + "…");
    ws.onopen = () => {
      ws.send(JSON.stringify({ command, rows: term.rows, cols: term.cols }));
      say("Running " + command + ": type into the terminal.");
      term.focus();
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") {
        term.write(new Uint8Array(event.data));
        return;
      }
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if ("exit" in message) {
        ended = true;
        say("The command exited with code " + message.exit + ".");
      } else if ("error" in message) {
        ended = true;
        say("The command could not run: " + message.error);
      }
    };
    ws.onclose = () => {
      socket = null;
      button.disabled = false;
      if (!ended) say("The connection closed before the command ended; its container is removed.");
    };
  });
})();
