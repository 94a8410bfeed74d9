/**
 * @module
 * The console's one stylesheet, sent inline under the response's CSP nonce so no other style can apply. Colours keep
 * text at a contrast of at least 4.5:1 (WCAG AA), statuses are written out as well as coloured, and every focusable
 * thing shows a visible focus ring for keyboard use.
 */
export const CONSOLE_CSS = `
:root{--ink:#1b1f24;--muted:#4d5560;--line:#d0d7de;--bg:#fff;--panel:#f6f8fa;--accent:#0b5cad;--danger:#a40e26;
--ok:#1a7f37;--warn:#8a5a00;--bar:#0b5cad;--bar2:#1a7f37;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;
color:var(--ink);background:var(--bg)}
body{margin:0;line-height:1.45}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{
outline:3px solid #f0b400;outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.5rem;z-index:2}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:1rem 2rem;padding:.75rem 1.5rem;border-bottom:1px solid var(--line);
background:var(--panel)}
.brand{margin:0;font-weight:700;font-size:1.1rem}.brand a{color:var(--ink);text-decoration:none}
.brand span{color:var(--muted);font-weight:400}
nav ul{display:flex;gap:1.25rem;list-style:none;margin:0;padding:0}
nav a[aria-current=page]{font-weight:700;color:var(--ink)}
.who{margin:0 0 0 auto;color:var(--muted);font-size:.9rem}
.who button{font:inherit;color:var(--accent);background:none;border:0;padding:0;text-decoration:underline;cursor:pointer}
main{padding:1.25rem 1.5rem 3rem;max-width:76rem}
main:focus{outline:none}
h1{font-size:1.5rem;margin:.25rem 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .75rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.75rem;margin:0;padding:0;list-style:none}
.cards a{display:block;border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;text-decoration:none;color:var(--ink)}
.cards strong{display:block;font-size:1.6rem}
.cards small{color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;padding:.2rem 0}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--panel);font-weight:600}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em;word-break:break-all}
.status{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.85rem;font-weight:600;border:1px solid}
.status-revoked{color:var(--ok)}.status-failed{color:var(--danger)}.status-pending{color:var(--warn)}
.status-not_found,.status-ignored{color:var(--muted)}
.health-ok{color:var(--ok)}.health-paced{color:var(--warn)}
.health-unauthorised,.health-misrouted,.health-unreachable{color:var(--danger)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1.5rem 2.5rem}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.25rem}
svg text{fill:var(--muted);font-size:15px}
svg .bar{fill:var(--bar)}svg .bar2{fill:var(--bar2)}svg .axis{stroke:var(--line)}
svg .mark{stroke:var(--danger);stroke-width:2}svg .mark-text{fill:var(--danger)}
details{margin-top:.4rem}summary{cursor:pointer;color:var(--accent)}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1rem}
label{display:block;font-size:.9rem;font-weight:600}
label small{font-weight:400;color:var(--muted)}
label.inline{display:inline}
input,select{font:inherit;padding:.3rem .4rem;border:1px solid #6e7781;border-radius:4px;min-width:8rem}
input[type=checkbox]{min-width:0;width:1.1rem;height:1.1rem;vertical-align:middle}
button,.button{font:inherit;padding:.35rem .9rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);
color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.danger{background:var(--danger);border-color:var(--danger)}
.field{margin-bottom:.8rem}
.action{border:1px solid var(--line);border-radius:6px;padding:1rem;margin-bottom:1.25rem;max-width:40rem}
.action h2{margin-top:0}
.notice{border-left:4px solid var(--accent);background:var(--panel);padding:.6rem .9rem;margin:0 0 1rem}
.notice.error{border-color:var(--danger)}.notice.ok{border-color:var(--ok)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{font-weight:600;color:var(--muted)}dl.facts dd{margin:0}
ol.timeline{list-style:none;padding:0;margin:0;border-left:2px solid var(--line)}
ol.timeline li{padding:.3rem 0 .6rem 1rem;position:relative}
ol.timeline li::before{content:"";position:absolute;left:-.4rem;top:.65rem;width:.6rem;height:.6rem;border-radius:50%;
background:var(--accent)}
.erased{color:var(--muted);font-style:italic}
.pager{display:flex;gap:1rem;margin-top:1rem}
.muted{color:var(--muted)}
`;
