// The trainer's live progress board. The page is rendered from the database; the websocket
// then brings one compact message per session event: {session, learner, lab, seq, kind, at,
// step?, pod?, state?, problem?}. Cells turn green on `step`; a pod or an API answer sets or clears
// that row's problem of the same kind (the server's rules are cohorts/stuck.py; the "no
// progress for N minutes" rule needs a clock, so it is re-evaluated here every 30 seconds).
// After every (re)connect the table is fetched again, so nothing published before the socket
// joined its group is missed; messages that arrive during that fetch are applied after it.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("board-config").textContent);
  const live = document.querySelector("[data-testid=board-live]");
  const SLOT_OF_KIND = { pod: "pod", action: "answer", status: "status" };
  let buffered = null; // messages held while the table is being fetched
  let retryDelay = 500;

  function tbody() {
    return document.querySelector("table.board tbody");
  }

  function setProblem(row, slot, problem) {
    const list = row.querySelector("[data-field=problems]");
    const old = list.querySelector(`li[data-slot="${slot}"]`);
    if (old) old.remove();
    if (!problem) return;
    const item = document.getElementById("problem-item").content.firstElementChild.cloneNode(true);
    item.dataset.slot = slot;
    item.dataset.reason = problem.reason;
    if (problem.pod) item.dataset.pod = problem.pod;
    item.querySelector("strong").textContent = problem.reason;
    item.querySelector("span").textContent = problem.message;
    list.appendChild(item);
  }

  function labDone(row) {
    const lab = row.dataset.currentLab;
    const passed = row.querySelectorAll(`td.cell[data-lab="${CSS.escape(lab)}"][data-state=passed]`).length;
    return passed >= (config.labSteps[lab] || 0);
  }

  // Mirrors cohorts/stuck.py stuck_reasons: only a running, unfinished lab can be stuck.
  function applyRules(row) {
    const state = row.dataset.state;
    if (state === "failed") {
      for (const slot of ["pod", "answer", "idle"]) setProblem(row, slot, null);
      return;
    }
    if (state !== "ready" || labDone(row)) {
      for (const slot of ["pod", "answer", "status", "idle"]) setProblem(row, slot, null);
      return;
    }
    const idleMinutes = Math.floor((Date.now() - Date.parse(row.dataset.lastProgress)) / 60000);
    const idle = idleMinutes >= config.idleMinutes
      ? { reason: "NoProgress", message: `No step passed for ${idleMinutes} minutes.` }
      : null;
    setProblem(row, "idle", idle);
  }

  function showActivity(row, at) {
    const cell = row.querySelector("[data-field=activity]");
    cell.innerHTML = "";
    const time = document.createElement("time");
    time.setAttribute("datetime", at);
    cell.appendChild(time);
    showAge(time);
  }

  function showAge(time) {
    const minutes = Math.floor((Date.now() - Date.parse(time.getAttribute("datetime"))) / 60000);
    time.textContent = minutes < 1 ? "just now" : `${minutes} min ago`;
  }

  function apply(msg) {
    const body = tbody();
    const row = body && body.querySelector(`tr[data-learner="${msg.learner}"]`);
    if (!row) return refresh(); // a learner who joined after the page was made
    const cells = row.querySelectorAll(`td.cell[data-lab="${CSS.escape(msg.lab)}"]`);
    if (!cells.length) return;
    const shown = Number(cells[0].dataset.session || "0");
    if (msg.session < shown) return; // an older session of this lab (e.g. before a reset)
    if (msg.session > shown) {
      // A fresh session of the lab: its steps start open again, old problems go.
      for (const cell of cells) { cell.dataset.session = msg.session; cell.dataset.state = "open"; }
      for (const slot of ["pod", "answer", "status", "idle"]) setProblem(row, slot, null);
      row.dataset.lastProgress = msg.at;
      row.dataset.state = "provisioning";
    }
    row.dataset.currentLab = msg.lab;
    row.querySelector("[data-field=lab]").textContent = config.labTitles[msg.lab] || msg.lab;
    showActivity(row, msg.at);
    if (msg.kind === "step") {
      const cell = row.querySelector(`td.cell[data-lab="${CSS.escape(msg.lab)}"][data-step="${CSS.escape(msg.step)}"]`);
      if (cell) cell.dataset.state = "passed";
      row.dataset.lastProgress = msg.at;
      // The step passed on that pod's error: it was the lesson, not a learner stuck.
      const flagged = row.querySelector('[data-field=problems] li[data-slot="pod"]');
      if (msg.pod && flagged && flagged.dataset.pod === msg.pod) flagged.remove();
    }
    if (msg.state) row.dataset.state = msg.state;
    if ("problem" in msg) setProblem(row, SLOT_OF_KIND[msg.kind], msg.problem);
    applyRules(row);
    countStuck();
  }

  function countStuck() {
    const counter = document.querySelector("[data-testid=stuck-count]");
    if (!counter) return;
    const rows = document.querySelectorAll("table.board tbody tr");
    counter.textContent = [...rows].filter((row) => row.querySelector("[data-field=problems] li")).length;
  }

  async function refresh() {
    if (buffered) return; // a fetch is already on its way
    buffered = [];
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      const html = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = html.querySelector("table.board tbody");
      const body = tbody();
      if (fresh && !body) return window.location.reload(); // the first learner joined
      if (fresh) body.replaceWith(fresh);
      countStuck();
    } catch (error) {
      // Offline: keep the table as it is; the next reconnect fetches again.
    } finally {
      const held = buffered || [];
      buffered = null;
      held.forEach(apply);
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}${config.ws}`);
    socket.onopen = () => {
      retryDelay = 500;
      live.textContent = "live";
      live.dataset.state = "live";
      refresh();
    };
    socket.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (buffered) buffered.push(msg);
      else apply(msg);
    };
    socket.onclose = () => {
      live.textContent = "reconnecting…";
      live.dataset.state = "offline";
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  setInterval(() => {
    document.querySelectorAll("table.board tbody tr").forEach(applyRules);
    countStuck();
    document.querySelectorAll("[data-field=activity] time").forEach(showAge);
  }, 30000);
  connect();
})();
