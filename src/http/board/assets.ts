/**
 * The board's one stylesheet and one script, served as files. No build
 * step: plain CSS and a few dozen lines of browser JavaScript.
 */

export const BOARD_CSS = `
:root { --bg: #f6f7f9; --fg: #1d2330; --muted: #6b7280; --line: #e3e6eb; --card: #fff;
  --working: #1f9d55; --standby: #2f6fd6; --maintenance: #d68a00; --poweroff: #7a818c; --retired: #b9bec6;
  --critical: #d0312d; --warning: #d68a00; --info: #2f6fd6; --ok: #1f9d55; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 1.2rem; padding: .6rem 1rem; background: #1d2330; color: #fff; position: sticky; top: 0; z-index: 1; }
header a { color: #cfd6e4; text-decoration: none; }
header a[aria-current="page"], header a:hover { color: #fff; }
header .brand { font-weight: 700; color: #fff; }
header nav { display: flex; gap: 1rem; flex-wrap: wrap; }
.live { margin-left: auto; color: #7a818c; font-size: .8rem; }
.live.on { color: var(--working); }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.3rem; margin: .2rem 0 .8rem; }
h2 { font-size: 1rem; margin: 1.2rem 0 .5rem; }
a { color: #2f6fd6; }
.summary { display: flex; flex-wrap: wrap; gap: .4rem 1rem; margin-bottom: .8rem; color: var(--muted); }
.summary b { color: var(--fg); }
.toolbar { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin-bottom: .8rem; }
#filter { flex: 1 1 18rem; max-width: 28rem; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.group { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin-bottom: .8rem; padding: .2rem .8rem .8rem; }
.group > summary { cursor: pointer; padding: .5rem 0; font-weight: 600; }
.group .count { color: var(--muted); font-weight: 400; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(7.5rem, 1fr)); gap: .4rem; }
.tile { position: relative; display: block; padding: .35rem .5rem; border-radius: 6px; color: #fff; text-decoration: none; font-size: .8rem; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; border-left: 4px solid rgba(0,0,0,.15); }
.tile[hidden], .group[hidden] { display: none; }
.status-working { background: var(--working); }
.status-standby { background: var(--standby); }
.status-maintenance { background: var(--maintenance); }
.status-poweroff { background: var(--poweroff); }
.status-retired { background: var(--retired); color: #333; text-decoration: line-through; }
.badge { display: inline-block; min-width: 1.2rem; padding: 0 .3rem; border-radius: 999px; font-size: .7rem; font-weight: 700; text-align: center; background: #fff; color: var(--fg); margin-left: .2rem; }
.sev-critical, .sev-error { background: var(--critical); color: #fff; }
.sev-warning { background: var(--warning); color: #fff; }
.sev-info { background: var(--info); color: #fff; }
.tile .badge { position: absolute; top: .2rem; right: .25rem; box-shadow: 0 0 0 1px rgba(255,255,255,.8); }
.tile .badge.tickets { right: auto; left: auto; position: static; background: rgba(255,255,255,.85); color: #1d2330; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; }
.muted { color: var(--muted); }
.pill { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .75rem; color: #fff; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .8rem; margin-bottom: .8rem; }
.chart svg { width: 100%; height: 70px; display: block; }
.chart rect { fill: #d0312d; opacity: .8; }
.pager { display: flex; gap: .6rem; align-items: center; margin: .4rem 0; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 600px) { main { padding: .6rem; } .tiles { grid-template-columns: repeat(auto-fill, minmax(6rem, 1fr)); } th, td { padding: .3rem .4rem; } }
`;

export const BOARD_JS = `
'use strict';
(function () {
  var timer = null;
  function filterBox() { return document.getElementById('filter'); }

  // Filter as you type: in the page for a fleet that is all on it, from the server for a big one.
  function applyFilter() {
    var box = filterBox();
    if (!box) return;
    if (box.getAttribute('data-mode') === 'server') {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = new URL(location.href);
        if (box.value) url.searchParams.set('q', box.value); else url.searchParams.delete('q');
        url.searchParams.delete('page');
        history.replaceState(null, '', url);
        refresh();
      }, 200);
      return;
    }
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    document.querySelectorAll('.group').forEach(function (group) {
      var n = 0;
      group.querySelectorAll('.tile').forEach(function (tile) {
        var hay = tile.getAttribute('data-search') || '';
        var ok = words.every(function (w) { return hay.indexOf(w) !== -1; });
        tile.hidden = !ok;
        if (ok) n++;
      });
      group.hidden = n === 0;
      var count = group.querySelector('.count');
      if (count) count.textContent = String(n);
      // Role groups sit inside service groups: count each host once, at the top.
      if (!group.parentElement.closest('.group')) shown += n;
    });
    var out = document.getElementById('shown');
    if (out) out.textContent = String(shown);
  }

  // A live update: the same page's <main> again, swapped in place; the filter keeps what was typed.
  var inflight = false;
  function refresh() {
    if (inflight) return;
    inflight = true;
    fetch(location.href, { headers: { 'x-board-fragment': '1' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var box = filterBox();
        var typed = box ? box.value : null;
        var focused = box && document.activeElement === box;
        var opened = groupStates();
        document.getElementById('main').innerHTML = text;
        // Groups the reader opened or closed stay that way.
        document.querySelectorAll('details.group').forEach(function (d) {
          var key = groupKey(d);
          if (key in opened) d.open = opened[key];
        });
        var again = filterBox();
        if (again && typed !== null) {
          again.value = typed;
          if (focused) again.focus();
        }
        if (!again || again.getAttribute('data-mode') !== 'server') applyFilter();
        document.dispatchEvent(new CustomEvent('board:updated'));
      })
      .catch(function () {})
      .then(function () { inflight = false; });
  }

  // A group is known by its name: its summary without the counts, which change.
  function groupKey(d) {
    var summary = d.querySelector('summary');
    return summary ? summary.textContent.replace(/[0-9]+/g, '').trim() : '';
  }
  function groupStates() {
    var states = {};
    document.querySelectorAll('details.group').forEach(function (d) { states[groupKey(d)] = d.open; });
    return states;
  }

  document.addEventListener('input', function (e) {
    if (e.target && e.target.id === 'filter') applyFilter();
  });
  document.addEventListener('submit', function (e) {
    if (e.target && e.target.querySelector && e.target.querySelector('#filter')) { e.preventDefault(); applyFilter(); }
  });
  document.addEventListener('DOMContentLoaded', function () {
    applyFilter();
    var live = document.getElementById('live');
    if (!window.EventSource) return;
    var events = new EventSource('/events');
    events.addEventListener('change', refresh);
    events.onopen = function () { if (live) live.classList.add('on'); };
    events.onerror = function () { if (live) live.classList.remove('on'); };
  });
})();
`;
