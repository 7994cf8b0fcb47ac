// A learner's timeline follows their running session live. The session websocket (the same one
// the learner's page uses; a cohort's trainer may watch it) says that something new happened;
// the lines themselves are fetched from the page again, so they read exactly as the server
// words them (cohorts/timeline.py) and nothing is written twice.
"use strict";

(function () {
  const section = document.querySelector("section.timeline[data-live]");
  if (!section) return;
  const list = section.querySelector("ol.timeline-events");
  let refreshTimer = null;
  let retryDelay = 500;

  function lastSeq() {
    const items = list.querySelectorAll("li[data-seq]");
    return items.length ? Number(items[items.length - 1].dataset.seq) : 0;
  }

  async function refresh() {
    refreshTimer = null;
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      const html = new DOMParser().parseFromString(await response.text(), "text/html");
      const selector = `section.timeline[data-session="${section.dataset.session}"] ol.timeline-events`;
      const fresh = html.querySelector(selector);
      if (fresh) list.replaceChildren(...fresh.children);
    } catch (error) {
      // Offline: the next message or reconnect tries again.
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${window.location.host}/ws/sessions/${section.dataset.session}/?after=${lastSeq()}`;
    const socket = new WebSocket(url);
    socket.onopen = () => { retryDelay = 500; };
    socket.onmessage = (event) => {
      // A burst of events (a pod start is several) costs one fetch.
      if (JSON.parse(event.data).seq > lastSeq() && !refreshTimer) refreshTimer = setTimeout(refresh, 300);
    };
    socket.onclose = () => {
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  connect();
})();
