// @ts-check
// The window's styles as one constructable stylesheet (allowed under style-src 'self'; no <style>, no style="").
const CSS = `
.zn-panel{all:initial;position:fixed;z-index:var(--zn-z);display:flex;flex-direction:column;box-sizing:border-box;
  width:380px;height:600px;max-width:calc(100vw - 16px);max-height:calc(100vh - 16px);background:#fff;color:#1a1a1a;
  border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;
  font:15px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif}
.zn-panel *,.zn-panel *::before,.zn-panel *::after{box-sizing:border-box}
.zn-panel.zn-large{font-size:18px}
.zn-panel.zn-sheet{width:100vw;max-width:none;max-height:none;border-radius:0}
.zn-panel :focus-visible{outline:3px solid #0b3d91;outline-offset:2px}
.zn-head{display:flex;align-items:center;gap:2px;padding:6px 6px 6px 14px;background:var(--zn-primary);color:#fff;
  cursor:move;touch-action:none;user-select:none;-webkit-user-select:none;flex:none}
.zn-panel .zn-head:focus-visible,.zn-panel .zn-head :focus-visible{outline:3px solid #fff;outline-offset:-4px}
.zn-titles{flex:1;min-width:0}
.zn-title{margin:0;font-size:1.07em;font-weight:600;line-height:1.3}
.zn-sub{font-size:.8em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.zn-icon-btn{all:unset;box-sizing:border-box;flex:none;width:36px;height:36px;display:inline-flex;align-items:center;
  justify-content:center;border-radius:6px;cursor:pointer;color:inherit}
.zn-icon-btn svg{width:20px;height:20px;fill:currentColor}
.zn-head .zn-icon-btn:hover{background:rgba(255,255,255,.2)}
.zn-icon-btn[aria-pressed=true]{background:rgba(0,0,0,.28)}
.zn-refused{flex:1;min-height:0;overflow-y:auto;padding:20px 18px;display:flex;flex-direction:column;gap:10px}
.zn-refused h3{margin:0;font-size:1.07em;font-weight:600}
.zn-refused p{margin:0}
.zn-banner{flex:none;padding:6px 14px;background:#fff4d6;color:#3d3000;font-size:.87em;border-bottom:1px solid #e8d9a8}
.zn-messages{flex:1;min-height:0;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;
  background:#f4f6f9}
.zn-msg{max-width:88%;display:flex;flex-direction:column;align-items:flex-start;gap:4px}
.zn-msg[data-from=taxpayer]{align-self:flex-end;align-items:flex-end}
.zn-msg[data-from=system]{align-self:center;max-width:96%;align-items:center;text-align:center;color:#454545;font-size:.87em}
.zn-bubble{padding:8px 12px;border-radius:10px;background:#fff;border:1px solid #d5dce5;white-space:pre-wrap;
  overflow-wrap:anywhere}
.zn-msg[data-from=taxpayer] .zn-bubble{background:var(--zn-primary);color:#fff;border-color:transparent}
.zn-msg[data-from=system] .zn-bubble{background:transparent;border:0;padding:0 8px}
.zn-who,.zn-meta{font-size:.78em;color:#4f4f4f}
.zn-msg[data-status=failed] .zn-meta{color:#b00020}
.zn-row{display:flex;flex-wrap:wrap;align-items:center;gap:6px}
.zn-btn{all:unset;box-sizing:border-box;display:inline-flex;align-items:center;justify-content:center;gap:6px;
  min-height:36px;padding:6px 14px;border-radius:6px;background:var(--zn-primary);color:#fff;cursor:pointer;
  font-weight:600;text-align:center;line-height:1.3}
.zn-btn svg{width:20px;height:20px;fill:currentColor}
.zn-btn.zn-secondary{background:#fff;color:#1f2d3d;border:1px solid #7b8a9c;font-weight:500}
.zn-btn:disabled{cursor:not-allowed;opacity:.6}
.zn-btn:focus-visible,.zn-chip:focus-visible,.zn-link:focus-visible{outline:3px solid #0b3d91;outline-offset:2px}
.zn-chip{all:unset;box-sizing:border-box;border:1px solid #7b8a9c;border-radius:16px;padding:3px 10px;cursor:pointer;
  color:#1f2d3d;background:#fff;font-size:.9em;line-height:1.5}
.zn-chip[aria-pressed=true]{background:var(--zn-primary);color:#fff;border-color:var(--zn-primary)}
.zn-link{all:unset;cursor:pointer;color:#0a4fa3;text-decoration:underline;text-align:left;overflow-wrap:anywhere}
.zn-suggestions{margin:6px 0 0;padding:0;list-style:none;display:flex;flex-direction:column;gap:6px}
.zn-suggestions .zn-link{display:block}
.zn-note{font-size:.85em;color:#454545}
.zn-actions{flex:none;display:flex;flex-direction:column;gap:8px;padding:8px 12px;border-top:1px solid #d5dce5;
  max-height:55%;overflow-y:auto}
.zn-actions:empty{display:none}
.zn-under{display:flex;flex-direction:column;gap:4px;align-self:flex-start}
.zn-form{display:flex;flex-direction:column;gap:6px}
.zn-form h3,.zn-rating h3{margin:0;font-size:.95em;font-weight:600}
.zn-field{all:unset;box-sizing:border-box;width:100%;border:1px solid #7b8a9c;border-radius:6px;padding:6px 8px;
  background:#fff;color:#1a1a1a;font:inherit;white-space:pre-wrap}
.zn-field:focus-visible{outline:3px solid #0b3d91;outline-offset:1px}
textarea.zn-field{min-height:44px;resize:none}
.zn-composer{flex:none;display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid #d5dce5;background:#fff}
.zn-composer .zn-field{flex:1;max-height:120px;overflow-y:auto}
.zn-composer .zn-icon-btn{color:#1f2d3d}
.zn-composer .zn-send{color:#fff;background:var(--zn-primary)}
.zn-attach-label:focus-within{outline:3px solid #0b3d91;outline-offset:2px}
.zn-vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);
  white-space:nowrap}
.zn-typing{flex:none;padding:2px 14px;font-size:.85em;color:#454545;background:#f4f6f9}
.zn-queue{font-weight:600;color:#1f2d3d}
.zn-img{display:block;max-width:220px;max-height:200px;border-radius:6px}
.zn-overlay{position:absolute;inset:0;z-index:2;display:flex;align-items:center;justify-content:center;
  background:rgba(0,0,0,.45)}
.zn-dialog{width:min(320px,90%);padding:18px;border-radius:10px;background:#fff;color:#1a1a1a;
  display:flex;flex-direction:column;gap:14px}
.zn-dialog p{margin:0}
.zn-dialog-title{margin:0;font-size:1.07em;font-weight:600}
.zn-dialog-body{display:flex;flex-direction:column;gap:6px;max-height:50vh;overflow-y:auto;font-size:.9em;color:#333}
.zn-dialog .zn-row{justify-content:flex-end}
.zn-toast{position:absolute;left:50%;bottom:92px;z-index:3;transform:translateX(-50%);max-width:90%;padding:8px 14px;
  border-radius:6px;background:#1f2d3d;color:#fff;font-size:.9em;text-align:center}
.zn-rating{display:flex;flex-direction:column;gap:8px}
.zn-history{flex:1;min-height:0;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}
.zn-history h3{margin:0;font-size:1em}
.zn-history .zn-btn{justify-content:space-between}
.zn-history ul{list-style:none;margin:0;padding:0}
.zn-badge{position:absolute;top:-6px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;
  background:#b3261e;color:#fff;font:700 12px/22px system-ui,sans-serif;text-align:center;box-sizing:border-box}
@media (prefers-reduced-motion:reduce){.zn-panel *{transition:none!important}}
`;

let sheet = null;

/** Return the window's stylesheet (built once). */
export function panelSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}
