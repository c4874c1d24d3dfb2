// Wharf's dashboard: follow live output. Every <pre data-follow=URL> gets the `line` events of
// that Server-Sent Events stream appended as they come; the `end` event closes the stream,
// and with data-reload=URL that page is loaded to show the outcome. Nothing else runs:
// pages are whole without this script.
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
