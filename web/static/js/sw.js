// Muster's service worker. /sw.js serves this file behind one generated line,
//   const MUSTER = {version, precache, offline, keep};
// (see server/web/pwa.py): the version changes with every deploy that changes a static
// file or a template, so the browser installs this worker again and the old caches go.
//
// - Versioned static files (/static/...?v=hash): cache first; they never change.
// - Pages: network first; when the network fails, a kept copy or the offline page.
// - Kept pages (the volunteer's "my signups" pages and action scripts, MUSTER.keep):
//   stored in Cache Storage each time they load, although they are `no-store` for HTTP
//   caches, so they open at the rally with no network. Dropped when their link stops
//   working (404/410) and by "forget this device". They outlive a deploy on purpose
//   (a volunteer offline right after a deploy keeps their ticket) and are refreshed on
//   the next visit; a kept page naming an older static file gets the current one.
// - Everything else (API, feeds, htmx fragments, every POST): straight to the network.
"use strict";

/* global MUSTER */
const STATIC_CACHE = "muster-static-" + MUSTER.version;
const PAGES_CACHE = "muster-pages-" + MUSTER.version;
const KEEP_CACHE = "muster-keep";
// On a crowded network, a kept page is shown from the cache after this long.
const NETWORK_PATIENCE_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const statics = await caches.open(STATIC_CACHE);
    await statics.addAll(MUSTER.precache);
    const pages = await caches.open(PAGES_CACHE);
    // Without cookies: the offline page must hold nobody's data.
    await pages.add(new Request(MUSTER.offline, { cache: "reload", credentials: "omit" }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const current = new Set([STATIC_CACHE, PAGES_CACHE, KEEP_CACHE]);
    for (const name of await caches.keys()) {
      if (name.startsWith("muster-") && !current.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

const KEEP = MUSTER.keep.map((pattern) => new RegExp(pattern));

function isKept(url) {
  return KEEP.some((pattern) => pattern.test(url.pathname));
}

function isHtml(response) {
  return (response.headers.get("content-type") || "").startsWith("text/html");
}

// A cached answer as a new Response: it then carries no URL of its own, so an htmx-boosted
// request (whose history entry follows the answer's URL) stays at the address it asked for.
function asAnswer(cached) {
  return cached && new Response(cached.body, {
    status: cached.status, statusText: cached.statusText, headers: cached.headers,
  });
}

async function keptCopy(url) {
  const cache = await caches.open(KEEP_CACHE);
  // The stored copy may have been answered to an htmx-boosted request (Vary: HX-Request):
  // both are the whole page, so the Vary header does not matter here.
  return asAnswer((await cache.match(url.href, { ignoreVary: true })) ||
    (await cache.match(url.href, { ignoreVary: true, ignoreSearch: true })));
}

async function remember(url, response, followLinks) {
  const cache = await caches.open(KEEP_CACHE);
  if (response.status === 404 || response.status === 410) {
    await cache.delete(url.href, { ignoreVary: true }); // cancelled, deleted or revoked
  } else if (response.status === 200 && response.type === "basic" && !response.redirected &&
             isHtml(response)) {
    const html = followLinks ? await response.clone().text() : "";
    await cache.put(url.href, response);
    if (followLinks) await keepLinked(html, url);
  }
}

// A kept page's links to other kept pages are kept too, one level deep ("my signups" →
// each signup with its address; all actions → each campaign's scripts), so a volunteer
// need not open every page before the rally. GET pages only: fetching changes nothing.
const MAX_LINKED = 20;

async function keepLinked(html, base) {
  const wanted = new Set();
  for (const match of html.matchAll(/href="([^"#]+)"/g)) {
    let url;
    try { url = new URL(match[1].replace(/&amp;/g, "&"), base); } catch (e) { continue; }
    if (url.origin === self.location.origin && isKept(url) && url.href !== base.href) {
      wanted.add(url.href);
    }
    if (wanted.size >= MAX_LINKED) break;
  }
  await Promise.all([...wanted].map(async (href) => {
    try {
      await remember(new URL(href), await fetch(href, { credentials: "same-origin" }), false);
    } catch (e) { /* offline again: the page that was kept is enough */ }
  }));
}

async function offlinePage() {
  const page = asAnswer(await caches.match(MUSTER.offline, { ignoreVary: true }));
  return page || new Response("You are offline.", {
    status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

function later(ms, value) {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

async function page(event, url) {
  const kept = isKept(url);
  const network = fetch(event.request).then((response) => {
    if (kept) event.waitUntil(remember(url, response.clone(), true));
    return response;
  });
  if (kept) {
    const copy = await keptCopy(url);
    if (copy) {
      event.waitUntil(network.catch(() => undefined)); // refresh the copy in the background
      // An overloaded server (5xx) or no answer in time: the copy on the phone is better.
      const answer = network.then((r) => (r.status >= 500 ? copy : r), () => copy);
      return Promise.race([answer, later(NETWORK_PATIENCE_MS, copy)]);
    }
  }
  try {
    return await network;
  } catch (error) {
    return (kept && (await keptCopy(url))) || offlinePage();
  }
}

async function staticFile(request) {
  const statics = await caches.open(STATIC_CACHE);
  const hit = await statics.match(request);
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok && new URL(request.url).searchParams.has("v")) {
      await statics.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // Offline, a kept page may name an older version of a file: any version beats none.
    const older = await caches.match(request, { ignoreSearch: true });
    if (older) return older;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
    return;
  }
  // Navigations, and htmx-boosted links (they fetch the whole page too).
  if (request.mode === "navigate" || request.headers.get("HX-Boosted") === "true") {
    event.respondWith(page(event, url));
  }
});
