import { css } from 'lit';
import { insightStyles } from '../shared/insight-styles.js';
import { themeStyles } from '../shared/theme.js';

export const machineDetailsStyles = [
  themeStyles,
  insightStyles,
  css`
    :host { display: contents; }
    dialog {
      width: min(1200px, 96vw); height: min(880px, 94vh); max-width: none; max-height: none; padding: 0;
      color: var(--_fg); background: var(--_bg); border: 1px solid var(--_border); border-radius: 6px;
      box-shadow: 0 8px 32px rgba(0, 0, 0, 0.45); font: inherit;
    }
    dialog[open] { display: flex; flex-direction: column; }
    dialog::backdrop { background: rgba(0, 0, 0, 0.5); }
    header { display: flex; align-items: center; gap: 12px; padding: 14px 20px 10px; }
    h2 { margin: 0; font-size: 1.35em; font-weight: 600; overflow-wrap: anywhere; }
    .subtitle { color: var(--_muted); }
    .close {
      margin-left: auto; font: inherit; font-size: 1.4em; line-height: 1; width: 32px; height: 32px;
      color: var(--_fg); background: transparent; border: 1px solid transparent; border-radius: 4px; cursor: pointer;
    }
    .close:hover { background: var(--_hover); }
    .export {
      margin-left: auto; padding: 4px 10px; color: var(--_fg); border: 1px solid var(--_border); border-radius: 2px; text-decoration: none;
    }
    .export:hover { background: var(--_hover); }
    .export + .close { margin-left: 0; }
    [role='tablist'] { display: flex; gap: 4px; padding: 0 20px; border-bottom: 1px solid var(--_border); }
    [role='tab'] {
      font: inherit; color: var(--_muted); background: none; border: none; border-bottom: 2px solid transparent;
      padding: 8px 12px 6px; cursor: pointer; text-transform: uppercase; letter-spacing: 0.04em; font-size: 0.9em;
    }
    [role='tab']:hover { color: var(--_fg); }
    [role='tab']:focus-visible { outline-offset: -1px; }
    [role='tab'][aria-selected='true'] { color: var(--_fg); border-bottom-color: var(--_accent); }
    [role='tabpanel'] { flex: 1; overflow: auto; padding: 18px 20px 20px; }
    section + section { margin-top: 22px; }
    h3 { margin: 0 0 10px; font-size: 0.85em; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; color: var(--_muted); }
    .top { display: grid; grid-template-columns: minmax(260px, 1fr) 2fr; gap: 16px; }
    .card { border: 1px solid var(--_border); background: var(--_surface); border-radius: 4px; padding: 12px 14px; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 16px; margin: 0; }
    dt { color: var(--_muted); }
    dd { margin: 0; overflow-wrap: anywhere; }
    .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; align-content: start; }
    .analytics .kpis { grid-template-columns: repeat(2, minmax(150px, 1fr)); }
    .kpi { border: 1px solid var(--_border); background: var(--_surface); border-radius: 4px; padding: 12px 14px; }
    .kpi .value { display: block; font-size: 1.55em; font-weight: 600; margin-top: 4px; font-variant-numeric: tabular-nums; }
    .kpi .label { color: var(--_muted); font-size: 0.92em; }
    .selector { display: flex; align-items: center; gap: 10px; margin-bottom: 14px; flex-wrap: wrap; }
    select {
      font: inherit; color: var(--_fg); background: var(--_input-bg); border: 1px solid var(--_border);
      border-radius: 2px; padding: 4px 8px; min-width: 320px;
    }
    .perf-kpis { margin-bottom: 14px; }
    .details { margin-top: 16px; }
    bt-speed-chart { height: clamp(360px, calc(94vh - 330px), 620px); }
    .analytics { display: grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap: 16px; }
    bt-success-donut { height: 280px; }
    bt-backup-trends { height: 320px; }
    .notice { padding: 10px 12px; border-left: 3px solid var(--_warning); background: var(--_surface); margin-bottom: 12px; }
    .job-error { padding: 10px 12px; border-left: 3px solid var(--_error); background: var(--_error-bg); color: var(--_error); margin-bottom: 12px; overflow-wrap: anywhere; }
    @media (max-width: 760px) {
      .top, .analytics { grid-template-columns: 1fr; }
      select { min-width: 0; width: 100%; }
    }
  `,
];
