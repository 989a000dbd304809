import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const jobProgressStyles = [
  themeStyles,
  css`
    :host { display: block; }
    .card { border: 1px solid var(--_border); background: var(--_surface); border-radius: 4px; padding: 12px 14px; }
    .head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
    .title { font-weight: 600; }
    .phase { color: var(--_muted); }
    .percent { margin-left: auto; font-size: 1.3em; font-weight: 600; font-variant-numeric: tabular-nums; }
    .bar { height: 8px; background: var(--_input-bg); border-radius: 4px; overflow: hidden; border: 1px solid var(--_border); }
    .bar > div { height: 100%; background: var(--_accent); transition: width 0.3s ease; }
    .bar.small { height: 5px; }
    .facts { display: flex; gap: 20px; flex-wrap: wrap; margin-top: 8px; color: var(--_muted); }
    .facts b { color: var(--_fg); font-weight: 600; font-variant-numeric: tabular-nums; }
    .disks { display: grid; grid-template-columns: auto 1fr auto; gap: 6px 12px; align-items: center; margin-top: 12px; }
    .disks .label { color: var(--_muted); white-space: nowrap; }
    .disk-status { display: inline-block; margin: 0 6px; padding: 0 6px; border-radius: 8px; border: 1px solid currentColor; font-size: 0.9em; line-height: 1.4; }
    .disk-status.waiting, .disk-status.neutral { color: var(--_muted); }
    .disk-status.neutral { border-style: dashed; }
    .disk-status.active { color: var(--_accent); }
    .disk-status.success { color: var(--_success); }
    .disk-status.warning { color: var(--_warning); }
    .disk-status.error { color: var(--_error); }
    .disks .pct { font-variant-numeric: tabular-nums; text-align: right; min-width: 3.5em; }
    .stale { margin-top: 8px; color: var(--_warning); }
  `,
];
