// Live view of one lab session: a websocket that replays from the last seq, then follows.
// Every message is {seq, kind, payload}. Seqs are numbered without gaps in the database, but
// live messages can arrive out of order (the pods and Events watches publish independently),
// so messages are applied strictly in seq order: later ones wait for the missing ones, and a
// gap that stays open makes us reconnect, which replays it from the database.
"use strict";

(function () {
  const body = document.body;
  const config = JSON.parse(document.getElementById("session-config").textContent);
  const csrfToken = JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"];
  const podRows = document.querySelector("[data-testid=pods]");
  const eventList = document.querySelector("[data-testid=events]");
  const objectList = document.querySelector("[data-testid=objects]");
  const applyError = document.querySelector("[data-testid=apply-error]");
  const applyResult = document.querySelector("[data-testid=apply-result]");
  const GAP_WAIT_MS = 1000;
  const CONNECT_TIMEOUT_MS = 5000;
  const pending = new Map(); // seq -> message that arrived before an earlier seq
  let socket = null;
  let gapTimer = null;
  let retryDelay = 500;
  let retryTimer = null;

  function lastSeq() {
    return Number(body.dataset.lastSeq || "0");
  }

  const render = {
    status(payload) {
      body.dataset.state = payload.state;
      document.querySelector("[data-testid=session-status]").textContent = config.statusLabels[payload.state] || payload.state;
      document.querySelector("[data-testid=session-failure]").textContent = payload.failure || "";
    },

    pod(payload) {
      const summary = payload.summary;
      let row = podRows.querySelector(`tr[data-pod="${CSS.escape(summary.name)}"]`);
      if (payload.watch === "DELETED") {
        // Only remove the row if it still shows the pod that was deleted (not a new one).
        if (row && row.dataset.uid === summary.uid) row.remove();
        return;
      }
      if (!row) {
        row = document.getElementById("pod-row").content.firstElementChild.cloneNode(true);
        row.dataset.pod = summary.name;
        row.querySelector("[data-field=name]").textContent = summary.name;
        row.querySelector("[data-delete-pod]").addEventListener("click", () => deletePod(summary.name));
        podRows.appendChild(row);
      }
      row.dataset.uid = summary.uid;
      row.querySelector("[data-field=status]").textContent = summary.status;
      row.querySelector("[data-field=node]").textContent = summary.node || "<none>";
    },

    event(payload, seq) {
      const ev = payload.event;
      // An aggregated Event comes back with a higher count: update its line in place.
      let item = eventList.querySelector(`li[data-id="${CSS.escape(payload.id)}"]`);
      if (!item) {
        item = document.createElement("li");
        item.dataset.id = payload.id;
        eventList.appendChild(item);
      }
      item.dataset.reason = ev.reason;
      item.dataset.seq = String(seq);
      item.className = ev.type === "Warning" ? "warning" : "normal";
      const count = ev.count > 1 ? ` (x${ev.count})` : "";
      item.textContent = `${ev.type}  ${ev.reason}  ${ev.kind.toLowerCase()}/${ev.name}: ${ev.message}${count}`;
    },

    object(payload) {
      if (!objectList) return;
      const uid = (payload.object.metadata || {}).uid || "";
      let item = objectList.querySelector(`li[data-key="${CSS.escape(payload.key)}"]`);
      if (payload.watch === "DELETED") {
        // Only if it still shows the object that was deleted (not one made again since).
        if (item && item.dataset.uid === uid) item.remove();
        return;
      }
      if (!item) {
        item = document.createElement("li");
        item.dataset.key = payload.key;
        objectList.appendChild(item);
      }
      item.dataset.uid = uid;
      item.textContent = payload.key + objectSummary(payload.object);
    },

    step(payload) {
      const item = document.querySelector(`li[data-step="${CSS.escape(payload.step)}"]`);
      if (item) item.dataset.state = "passed";
    },

    action(payload) {
      if (payload.phase === "sent") {
        applyResult.textContent = "Sent to the API server…";
        return;
      }
      applyError.textContent = payload.ok ? "" : payload.message;
      applyResult.textContent = payload.ok ? payload.message : "";
    },
  };

  // A workload's readiness in a few characters, as `kubectl get` shows it; nothing for others.
  function objectSummary(obj) {
    const status = obj.status || {};
    if (obj.kind === "DaemonSet") {
      return `  ${status.numberReady || 0}/${status.desiredNumberScheduled || 0} ready`;
    }
    if (obj.kind === "Deployment" || obj.kind === "ReplicaSet") {
      return `  ${status.readyReplicas || 0}/${(obj.spec || {}).replicas || 0} ready`;
    }
    return "";
  }

  function apply(message) {
    body.dataset.lastSeq = String(message.seq);
    const renderer = render[message.kind];
    if (renderer) renderer(message.payload, message.seq);
  }

  function handle(message) {
    if (message.seq <= lastSeq() || pending.has(message.seq)) return;
    pending.set(message.seq, message);
    while (pending.has(lastSeq() + 1)) {
      const next = pending.get(lastSeq() + 1);
      pending.delete(next.seq);
      apply(next);
    }
    if (pending.size === 0) {
      clearTimeout(gapTimer);
      gapTimer = null;
    } else if (!gapTimer) {
      gapTimer = setTimeout(() => {
        gapTimer = null;
        if (pending.size && socket) socket.close(); // reconnecting replays from lastSeq
      }, GAP_WAIT_MS);
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    pending.clear();
    const attempt = new WebSocket(`${scheme}://${location.host}${config.ws}?after=${lastSeq()}`);
    socket = attempt;
    // An attempt made while the network is away can hang in CONNECTING for ever: give up on it,
    // which closes it and schedules the next try.
    const openTimer = setTimeout(() => {
      if (attempt.readyState === WebSocket.CONNECTING) attempt.close();
    }, CONNECT_TIMEOUT_MS);
    socket.onopen = () => { clearTimeout(openTimer); retryDelay = 500; };
    socket.onmessage = (e) => handle(JSON.parse(e.data));
    socket.onclose = () => {
      clearTimeout(openTimer);
      if (socket !== attempt) return; // an older attempt, already replaced
      socket = null;
      // Resume from the last seq we have; back off up to 10 s while the server is away.
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  async function deletePod(name) {
    const response = await fetch(config.deletePod.replace("POD", encodeURIComponent(name)), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken, "HX-Request": "true" },
    });
    // The answer is an HTML-escaped fragment, as htmx gets it.
    applyError.innerHTML = response.ok ? await response.text() : "The request failed. Try again.";
  }

  // htmx puts a quick-check error (or nothing) into the error area; clear the old result.
  document.body.addEventListener("htmx:beforeRequest", () => { applyResult.textContent = ""; });
  document.body.addEventListener("htmx:responseError", () => {
    applyError.textContent = "The request failed. Try again.";
  });

  // The editor text survives a reload: kept per session in this browser only.
  const editor = document.querySelector("textarea[name=manifest]");
  const draftKey = `ppl-manifest-${body.dataset.sessionId}`;
  const draft = localStorage.getItem(draftKey);
  if (draft !== null) editor.value = draft;
  editor.addEventListener("input", () => localStorage.setItem(draftKey, editor.value));

  // The node panel: picking an action starts its YAML from that action's example.
  const nodeAction = document.querySelector("[data-node-action]");
  const nodeChange = document.querySelector("[data-node-change]");
  if (nodeAction && nodeChange) {
    nodeAction.addEventListener("change", () => {
      nodeChange.value = nodeAction.selectedOptions[0].dataset.example;
    });
  }

  // Back online: try now rather than after the back-off grown while offline.
  window.addEventListener("online", () => {
    retryDelay = 500;
    if (socket && socket.readyState === WebSocket.OPEN) return;
    // A socket still connecting, or closing with no network to finish its handshake, may stay
    // so for a minute: abandon it (its onclose then finds itself replaced) and connect now.
    const stale = socket;
    socket = null;
    clearTimeout(retryTimer);
    if (stale) stale.close();
    connect();
  });

  connect();
})();
