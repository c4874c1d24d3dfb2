// Wharf's dashboard, made live. Every <pre data-follow=URL> gets the `line` events of that
// Server-Sent Events stream appended as they come; the `end` event closes the stream, and
// with data-reload=URL that page is loaded to show the outcome. Every element with an id and
// data-refresh=SECONDS is replaced by its new self from the page, that often, while the tab
// is shown and nobody is typing or has opened something in it. Every <time datetime> gets the
// viewer's local date and time as its tooltip. Pages are whole without this script.
"use strict";

for (const pre of document.querySelectorAll("pre[data-follow]")) {
  const source = new EventSource(pre.dataset.follow);
  const append = (text, cls) => {
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    const span = document.createElement("span");
    if (cls) span.className = cls;
    span.textContent = text + "\n";
    pre.append(span);
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  };
  source.addEventListener("line", (event) => append(event.data));
  source.addEventListener("end", (event) => {
    source.close();
    append(event.data, "end");
    const next = pre.dataset.reload && new URL(pre.dataset.reload, location.href);
    if (!next) return;
    setTimeout(() => {
      const same = next.pathname + next.search === location.pathname + location.search;
      if (same) location.reload(); else location.assign(next);
    }, 800);
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) append("(the stream closed; load the page again)", "end");
  };
}

const localTimes = (root) => {
  for (const time of root.querySelectorAll("time[datetime]")) {
    const date = new Date(time.dateTime);
    if (isNaN(date)) continue;
    // (dateStyle/timeStyle cannot be combined with timeZoneName: the parts are named.)
    time.title = date.toLocaleString(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    });
  }
};
localTimes(document);

const busy = (element) =>
  element.contains(document.activeElement) && document.activeElement !== document.body ||
  element.querySelector("details[open]") !== null;

const refreshed = document.querySelectorAll("[data-refresh][id]");
if (refreshed.length > 0) {
  const every = Math.max(5, Math.min(...[...refreshed].map((e) => Number(e.dataset.refresh) || 15)));
  const refresh = async () => {
    if (document.visibilityState !== "visible") return;
    let response;
    try {
      response = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
    } catch {
      return;
    }
    // A session that ended leads to the sign-in form: leave the page as it is.
    if (!response.ok || new URL(response.url).pathname !== location.pathname) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const old of document.querySelectorAll("[data-refresh][id]")) {
      const replacement = fresh.getElementById(old.id);
      if (!replacement || busy(old)) continue;
      localTimes(replacement);
      old.replaceWith(document.adoptNode(replacement));
    }
  };
  setInterval(refresh, every * 1000);
}
