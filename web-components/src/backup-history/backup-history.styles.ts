import { css } from 'lit';
import { insightStyles } from '../shared/insight-styles.js';
import { themeStyles } from '../shared/theme.js';

export const backupHistoryStyles = [
  themeStyles,
  insightStyles,
  css`
    :host { display: block; overflow: auto; }
    table { width: 100%; border-collapse: collapse; table-layout: auto; }
    th, td { text-align: left; padding: 6px 10px; white-space: nowrap; }
    th { color: var(--_muted); font-weight: 600; border-bottom: 1px solid var(--_border); position: sticky; top: 0; background: var(--_bg); }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    tbody tr.job { cursor: pointer; border-top: 1px solid var(--_border); }
    tbody tr.job:hover { background: var(--_hover); }
    tbody tr.job[aria-current='true'] { background: var(--_selection); }
    tr.error-row td { white-space: normal; padding-top: 0; }
    tbody tr.error-row[data-selected], tbody tr.anomaly-row[data-selected] { background: var(--_selection); }
    tr.anomaly-row td { white-space: normal; padding-top: 0; }
    .flag { color: var(--_warning); margin-left: 6px; }
    .flag.critical { color: var(--_error); }
    .error-message {
      display: flex; gap: 8px; align-items: flex-start; color: var(--_error); background: var(--_error-bg);
      border-left: 3px solid var(--_error); padding: 6px 10px; border-radius: 2px; overflow-wrap: anywhere;
    }
    .error-message strong { flex: none; }
    .error-message.cancelled { color: var(--_muted); background: var(--_surface); border-left-color: var(--_muted); }
    .pick { all: unset; cursor: pointer; }
    .pick:focus-visible { outline: 1px solid var(--_accent); outline-offset: 2px; }
    .status { display: inline-flex; align-items: center; gap: 6px; }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--_muted); flex: none; }
    .status.completed .dot { background: var(--_success); }
    .status.failed .dot { background: var(--_error); }
    .status.failed { color: var(--_error); font-weight: 600; }
    .status.cancelled .dot { background: var(--_warning); }
    .status.completed.warning { color: var(--_warning); }
    .status.completed.warning .dot { background: var(--_warning); }
    .status.running .dot { background: var(--_accent); animation: pulse 1.2s infinite; }
    .muted { color: var(--_muted); }
    .more { display: flex; gap: 12px; align-items: center; padding: 10px; border-top: 1px solid var(--_border); }
    .older-error { color: var(--_error); }
    @keyframes pulse { 50% { opacity: 0.3; } }
  `,
];
