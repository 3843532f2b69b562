// Starts keyturn. Trunk's default start-up is an inline <script>, and its hash would change with every
// build (it names the content-hashed files). This external module lets the Content-Security-Policy
// stay `script-src 'self' 'wasm-unsafe-eval'` with no hash, identical for every build
// (scripts/csp.py). Trunk.toml sets `pattern_script = ""` so Trunk emits no inline script, and
// index.html loads this file with `<script data-trunk type="module">` (hashed, with SRI).
//
// Trunk still injects the preload links for the wasm-bindgen glue and the wasm, each with an
// `integrity` hash; they are the one place the build's file names appear, so they are read here.
// The shell index.html paints before the wasm is ready says so when start-up fails, as text.
function failed(message) {
  const status = document.querySelector("#boot-shell .boot-status");
  if (status) {
    const sentence = /[.!?]$/.test(message) ? message : message + ".";
    status.textContent = "keyturn could not start: " + sentence + " Reload the page to try again.";
    status.classList.add("failed");
  }
  throw new Error("keyturn: " + message);
}
// The shipped build has panic = "immediate-abort" (docs/performance.md §5): a panic in the wasm is a
// trap with no hook to run, and it reaches the page as a WebAssembly.RuntimeError from an event
// handler or a task. A panic is a keyturn bug: say so on the page, as text, rather than leave a console
// that no longer answers.
function stopped(e) {
  if (!(e instanceof WebAssembly.RuntimeError) || document.querySelector(".panic-banner")) return;
  document.getElementById("boot-shell")?.remove();
  const banner = document.createElement("div");
  banner.className = "banner error panic-banner";
  banner.setAttribute("role", "alert");
  banner.dataset.testid = "error-banner";
  const body = banner.appendChild(document.createElement("div"));
  body.className = "banner-body";
  const title = body.appendChild(document.createElement("div"));
  title.className = "banner-title";
  title.textContent = "keyturn hit an internal error and stopped.";
  const meta = body.appendChild(document.createElement("div"));
  meta.className = "banner-meta";
  meta.textContent =
    "Reload the page to continue. Your credentials were not written anywhere unless you chose " +
    "\u201cRemember in this tab\u201d.";
  document.body.prepend(banner);
}
addEventListener("error", (ev) => stopped(ev.error));
addEventListener("unhandledrejection", (ev) => stopped(ev.reason));

const wasmLink = document.querySelector('link[rel="preload"][as="fetch"][type="application/wasm"]');
if (!wasmLink) {
  failed("index.html has no wasm preload link; rebuild with trunk.");
}
// Trunk names the glue after the wasm: keyturn-HASH_bg.wasm -> keyturn-HASH.js.
const glueUrl = wasmLink.href.replace(/_bg\.wasm$/, ".js");
const glueLink = [...document.querySelectorAll('link[rel="modulepreload"]')].find((l) => l.href === glueUrl);
if (!glueLink) {
  failed("index.html has no modulepreload link for " + glueUrl + ".");
}
let wasm;
try {
  // The modulepreload (with its integrity) has already put the checked module in the module map.
  const { default: init } = await import(glueLink.href);
  // Fetched with the integrity Trunk computed, so the wasm is checked too: a plain fetch of the URL
  // would not be, since a preload's integrity only guards the preload itself. The same request
  // (URL, CORS mode, credentials) as the preload, so it is served from it, and a Response is passed
  // on so the glue compiles it with WebAssembly.instantiateStreaming while it downloads
  // (docs/performance.md §4).
  wasm = await init({
    module_or_path: fetch(wasmLink.href, { integrity: wasmLink.integrity, credentials: "same-origin" }),
  });
} catch (e) {
  // A panic while mounting (main runs inside init) is a trap, not a failed download.
  if (e instanceof WebAssembly.RuntimeError) {
    stopped(e);
    throw e;
  }
  failed(String(e && e.message ? e.message : e));
}
performance.mark("keyturn-wasm-ready");
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
