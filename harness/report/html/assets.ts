// The report page's inline style and script: the file must open anywhere, offline.

export const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--faint:#818b98;--line:#d1d9e0;--soft:#f6f8fa;--bg:#fff;
--pass:#1a7f37;--pass-bg:#dafbe1;--pass-line:#4ac26b;--fail:#cf222e;--fail-bg:#ffebe9;--fail-line:#ff8182;
--na:#59636e;--na-bg:#eff2f5;--warn:#9a6700;--warn-bg:#fff8c5;--accent:#0969da;--out:#0550ae;--in:#3d444d}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
header.top{padding:22px 32px 18px;border-bottom:1px solid var(--line);background:var(--soft);display:flex;gap:24px;justify-content:space-between;align-items:flex-end}
.head-main{flex:1 1 auto;min-width:0}
.tiles{display:flex;gap:10px}
.tile{min-width:96px;padding:8px 14px;border-radius:8px;background:var(--bg);border:1px solid var(--line);text-align:right}
.tile b{display:block;font-size:24px;line-height:1.1;font-weight:600;font-variant-numeric:tabular-nums}
.tile span{font-size:12px;color:var(--muted);white-space:nowrap}
.tile.passed b{color:var(--pass)}.tile.failed b{color:var(--fail)}.tile.na b{color:var(--na)}.tile.none b{color:var(--faint)}
header.top h1{font-size:21px;margin:0 0 2px;font-weight:600;letter-spacing:-.01em}
header.top .meta{color:var(--muted);margin:0}
header.top .meta b{color:var(--fg);font-weight:600}
.verdict{display:inline-flex;gap:10px;align-items:center;margin-top:14px;padding:8px 16px;border-radius:6px;font-weight:600;font-size:15px;border:1px solid}
.verdict.pass{background:var(--pass-bg);color:var(--pass);border-color:var(--pass-line)}
.verdict.fail{background:var(--fail-bg);color:var(--fail);border-color:var(--fail-line)}
.verdict .mark{font-size:17px}
main{padding:4px 32px 48px;max-width:1440px}
h2{font-size:16px;font-weight:600;margin:26px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h2 .count{color:var(--muted);font-weight:400;font-size:13px;margin-left:6px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:5px 14px 5px 0;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.04em}
td.num,th.num{text-align:right;padding-right:18px}
td.zero{color:var(--faint)}
tr.total td{font-weight:600;border-bottom:0}
.area-code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:var(--muted);margin-right:8px}
.pill{display:inline-block;min-width:68px;text-align:center;padding:0 8px;border-radius:999px;font-size:11px;line-height:19px;font-weight:600;letter-spacing:.03em;text-transform:uppercase;border:1px solid transparent;white-space:nowrap}
.pill.passed,.pill.pass{background:var(--pass-bg);color:var(--pass);border-color:#aceebb}
.pill.failed,.pill.fail{background:var(--fail-bg);color:var(--fail);border-color:#ffcecb}
.pill.not-applicable,.pill.not-run{background:var(--na-bg);color:var(--na);border-color:var(--line)}
.lvl{display:inline-block;font-size:10.5px;font-weight:600;letter-spacing:.04em;padding:0 5px;border-radius:4px;border:1px solid var(--line);color:var(--muted);line-height:17px}
.lvl.MUST{color:#8250df;border-color:#d8b9ff}.lvl.SHOULD{color:#0969da;border-color:#a8d1ff}.lvl.MAY{color:var(--muted)}
.failed-list{margin:0;padding:0;list-style:none}
.failed-list li{padding:3px 0}
.toolbar{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:4px 0 10px;color:var(--muted);font-size:13px}
.toolbar label{cursor:pointer}
.suite{margin:18px 0 26px}
.suite-title{display:flex;gap:10px;align-items:baseline;margin:0 0 8px;font-size:15px;font-weight:600}
.suite-title .file{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13.5px}
.suite-title .sub{color:var(--muted);font-weight:400;font-size:13px}
.suite-error{background:var(--fail-bg);border:1px solid var(--fail-line);border-radius:6px;padding:8px 12px;white-space:pre-wrap;max-height:16em;overflow:auto}
.suite-body{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:18px;align-items:start}
.rings{display:flex;flex-direction:column;gap:12px;position:sticky;top:8px}
figure.ring{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 10px 10px;background:var(--bg);width:362px}
figure.ring figcaption{display:flex;justify-content:space-between;align-items:baseline;font-size:12.5px;color:var(--muted);margin-bottom:2px}
figure.ring figcaption b{color:var(--fg);font-weight:600}
.ring-svg{display:block;margin:0 auto}
.ring-circle{fill:none;stroke:#d1d9e0;stroke-width:1.5}
.ring-zero{stroke:#818b98;stroke-width:1.5}.ring-zero-label{font-size:10px;fill:#818b98;text-anchor:middle}
.ring-count{font-size:15px;font-weight:600;fill:#1f2328;text-anchor:middle}
.ring-sub{font-size:11px;fill:#818b98;text-anchor:middle}.ring-orient{font-size:10px;fill:#818b98}
.succ{fill:none;stroke:#0969da;stroke-width:2}
.seen-wrong{fill:none;stroke:#cf222e;stroke-width:1.6;stroke-dasharray:5 3}
.seen-wrong-ring{fill:none;stroke:#cf222e;stroke-width:1.6;stroke-dasharray:3 2}
.finger{fill:none;stroke:#8250df;stroke-opacity:.5;stroke-width:1;display:none}
figure.ring.show-fingers .finger{display:inline}
.rh-succ path{fill:#0969da}.rh-seen path{fill:#cf222e}.rh-finger path{fill:#8250df;fill-opacity:.6}
.node circle{stroke:#fff;stroke-width:2}
.node-tick{stroke:#818b98;stroke-width:1}.node.live circle{fill:#1f2328}.node-num{font-size:9.5px;font-weight:700;fill:#fff;text-anchor:middle;pointer-events:none}.node.gone .node-num{fill:#59636e}.node.gone circle{fill:#fff;stroke:#818b98;stroke-dasharray:2 2}.node.silent circle{fill:#cf222e}
.node-label{font-size:10.5px;fill:#1f2328;font-weight:600}.node-id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:9.5px;fill:#59636e;font-weight:400}
.ring-tools{display:flex;justify-content:space-between;align-items:center;font-size:12px;color:var(--muted);margin-top:4px}
.legend{display:flex;gap:12px;white-space:nowrap}.ring-tools label{white-space:nowrap}
.legend i{display:inline-block;width:14px;height:0;border-top:2px solid #0969da;vertical-align:middle;margin-right:4px}
.legend i.seen{border-top:2px dashed #cf222e}.legend i.fing{border-top:1px solid #8250df}
table.nodes{font-size:11.5px;margin-top:6px;width:100%}
table.nodes th,table.nodes td{padding:2px 8px 2px 0}
table.nodes td.bad{color:var(--fail);font-weight:600}table.nodes td.ok{color:var(--pass)}
.artifacts{font-size:12.5px;color:var(--muted);margin:8px 0 0}
.checks{display:flex;flex-direction:column;gap:6px;min-width:0}
details.check{border:1px solid var(--line);border-radius:6px;background:var(--bg)}
details.check.st-failed{border-color:var(--fail-line);border-left:4px solid var(--fail)}
details.check.st-passed{border-left:4px solid var(--pass-line)}
details.check.st-not-applicable{border-left:4px solid #c8d1da;background:#fbfcfd}
details.check>summary{display:flex;gap:10px;align-items:center;padding:6px 10px;cursor:pointer;list-style:none}
details.check>summary::-webkit-details-marker{display:none}
details.check>summary::before{content:"";width:7px;height:7px;border-right:1.5px solid var(--faint);border-bottom:1.5px solid var(--faint);transform:rotate(-45deg);transition:transform .1s;flex:none;margin-right:2px}
details.check[open]>summary::before{transform:rotate(45deg)}
.rid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;font-weight:600;white-space:nowrap}
.ttl{flex:1;min-width:0}
.st-not-applicable .ttl{color:var(--muted)}
.facts{color:var(--muted);font-size:12px;white-space:nowrap;display:flex;gap:10px}
.facts .ferr{color:var(--fail);font-weight:600}.facts .fwarn{color:var(--warn);font-weight:600}
.check-body{padding:2px 14px 12px 30px;border-top:1px solid var(--soft)}
.req{margin:8px 0;padding:6px 10px;background:var(--soft);border-radius:6px;font-size:13px}
.req .cite{font-weight:600;margin-right:6px;white-space:nowrap}
.na-reason{color:var(--muted);margin:8px 0}
pre.failure{background:var(--fail-bg);border:1px solid #ffcecb;border-radius:6px;padding:8px 10px;white-space:pre-wrap;word-break:break-word;max-height:22em;overflow:auto;margin:8px 0}
.links{font-size:12.5px;color:var(--muted);margin:6px 0}
.links a{margin-right:8px}
details.trace{margin-top:8px}
details.trace>summary{cursor:pointer;color:var(--accent);font-size:13px}
.cap-note{font-size:12px;color:var(--warn);margin:4px 0}
.ladder-slot{overflow:auto;max-height:78vh;border:1px solid var(--line);border-radius:6px;margin-top:6px;background:#fff}
.ladder-svg{display:block;font-size:11px}
.lane rect{fill:#f6f8fa;stroke:#d1d9e0}
.lane-harness rect{fill:#ddf4ff;stroke:#80ccff}
.lane line{stroke:#afb8c1;stroke-dasharray:3 3}
.lane-name{font-weight:600;text-anchor:middle;fill:#1f2328;font-size:10.5px}
.lane-addr{text-anchor:middle;fill:#59636e;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:9px}
.msg{cursor:pointer;outline:none}
.msg .hit{fill:transparent}
.msg:hover .hit,.msg:focus .hit{fill:#f3f6fa}
.msg.selected .hit{fill:#fff8c5}
.msg line,.msg path{stroke-width:1.4;fill:none}
.msg-out line,.msg-out path{stroke:var(--out)}.msg-in line,.msg-in path{stroke:var(--in)}
.msg.sev-error line,.msg.sev-error path{stroke:var(--fail);stroke-width:1.8}
.msg.sev-warning line,.msg.sev-warning path{stroke:var(--warn)}
.msg.retrans line{stroke-dasharray:4 3}
.ah-out path{fill:var(--out)}.ah-in path{fill:var(--in)}.ah-error path{fill:var(--fail)}.ah-warning path{fill:var(--warn)}
.lbl{text-anchor:middle;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:10.5px;fill:#1f2328}
.sev-error .lbl{fill:var(--fail);font-weight:600}.sev-warning .lbl{fill:var(--warn)}
.seq{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:10px;fill:#59636e}
.ofs{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:9.5px;fill:#818b98;text-anchor:end}
.msg-panel{margin-top:8px}
.msg-detail{border:1px solid var(--line);border-radius:6px;overflow:hidden}
.msg-meta{background:var(--soft);padding:6px 10px;font-size:12px;color:var(--muted);border-bottom:1px solid var(--line)}
.msg-meta b{color:var(--fg)}
ul.findings{margin:0;padding:6px 10px 6px 28px;font-size:12.5px;border-bottom:1px solid var(--line)}
ul.findings li.sev-error{color:var(--fail)}ul.findings li.sev-warning{color:var(--warn)}
p.clean{margin:0;padding:5px 10px;font-size:12px;color:var(--pass);border-bottom:1px solid var(--line)}
pre.raw,pre.gutter{margin:0;padding:6px 0;line-height:1.45}
.raw-wrap{display:grid;grid-template-columns:auto minmax(0,1fr);max-height:32em;overflow-y:auto}
pre.gutter{padding:6px .9em 6px 1em;text-align:right;color:#9198a1;user-select:none;border-right:1px solid var(--soft)}
pre.raw{overflow-x:auto;padding-left:.7em}
pre.raw .hl,pre.raw .note{display:block;min-width:max-content;padding-right:12px}
pre.raw .hl-error{background:#ffebe9}pre.raw .hl-warning{background:#fff8c5}
pre.raw .note{font-weight:600}pre.raw .note.sev-error{color:var(--fail);background:#fff5f4}pre.raw .note.sev-warning{color:var(--warn);background:#fffcea}
mark.at{background:transparent;color:inherit;text-decoration:underline wavy;text-underline-offset:3px}
mark.at-error{text-decoration-color:var(--fail)}mark.at-warning{text-decoration-color:var(--warn)}
.ctl{color:#cf222e;background:#ffebe9;border-radius:2px}
.matrix td.cell{text-align:center;min-width:90px}
.matrix .p{color:var(--pass);font-weight:600}.matrix .f{color:var(--fail);font-weight:600}.matrix .n{color:var(--na)}
ul.warnings{color:var(--warn);font-size:13px}
footer{color:var(--faint);font-size:12px;padding:0 32px 24px}
.hidden{display:none!important}
@media (max-width:1100px){.suite-body{grid-template-columns:1fr}.rings{position:static;flex-direction:row;flex-wrap:wrap}}
@media print{details.check{break-inside:avoid}.toolbar{display:none}}
`;

// Ladders and raw messages live in <template>s and are put in place on first open: a run of
// thousands of messages stays quick to load, and a set-up trace shared by many checks is
// stored once.
export const SCRIPT = `
(function(){
  function fill(trace){
    var slot=trace.querySelector('.ladder-slot');
    if(!slot||slot.getAttribute('data-filled'))return;
    var t=document.getElementById(trace.getAttribute('data-ladder'));
    if(t)slot.appendChild(t.content.cloneNode(true));
    slot.setAttribute('data-filled','1');
  }
  function wire(trace){
    trace.addEventListener('toggle',function(){if(trace.open)fill(trace);});
    if(trace.open)fill(trace);
  }
  Array.prototype.forEach.call(document.querySelectorAll('details.trace'),wire);
  function show(g){
    var trace=g.closest('details.trace');if(!trace)return;
    var panel=trace.querySelector('.msg-panel');var id=g.getAttribute('data-msg');
    var prev=trace.querySelector('.msg.selected');
    if(prev)prev.classList.remove('selected');
    if(panel.getAttribute('data-msg')===id&&!panel.hidden){panel.hidden=true;panel.removeAttribute('data-msg');return;}
    var t=document.getElementById(id);panel.innerHTML='';
    if(t)panel.appendChild(t.content.cloneNode(true));
    panel.hidden=false;panel.setAttribute('data-msg',id);g.classList.add('selected');
  }
  document.addEventListener('click',function(e){
    var g=e.target.closest&&e.target.closest('.msg');if(g)show(g);
  });
  document.addEventListener('keydown',function(e){
    if(e.key!=='Enter'&&e.key!==' ')return;
    var g=e.target.closest&&e.target.closest('.msg');if(g){e.preventDefault();show(g);}
  });
  Array.prototype.forEach.call(document.querySelectorAll('input.fingers'),function(box){
    box.addEventListener('change',function(){box.closest('figure.ring').classList.toggle('show-fingers',box.checked);});
  });
  function filter(){
    var sel=document.querySelector('input[name=status]:checked');var want=sel?sel.value:'all';
    Array.prototype.forEach.call(document.querySelectorAll('details.check'),function(d){
      d.classList.toggle('hidden',want!=='all'&&d.getAttribute('data-status')!==want);
    });
    Array.prototype.forEach.call(document.querySelectorAll('section.suite'),function(s){
      var any=s.querySelector('details.check:not(.hidden)')||!s.querySelector('details.check');
      s.classList.toggle('hidden',!any&&want!=='all');
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('input[name=status]'),function(r){r.addEventListener('change',filter);});
  if(location.hash){var target=document.getElementById(location.hash.slice(1));if(target&&target.tagName==='DETAILS')target.open=true;}
})();
`;
