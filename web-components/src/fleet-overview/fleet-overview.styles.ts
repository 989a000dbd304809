import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const fleetOverviewStyles = [
  themeStyles,
  css`
    :host { display: block; }
    .counters { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 12px; }
    .counter {
      font: inherit; color: var(--_fg); background: var(--_surface); border: 1px solid var(--_border); border-radius: 4px;
      padding: 6px 12px; cursor: pointer; display: flex; flex-direction: column; align-items: flex-start; min-width: 96px; text-align: left;
    }
    .counter:hover { background: var(--_hover); }
    .counter[aria-pressed='true'] { background: var(--_selection); border-color: var(--_accent); }
    .counter .count { font-size: 1.5em; font-weight: 600; font-variant-numeric: tabular-nums; }
    .counter .label { display: inline-flex; align-items: center; gap: 6px; color: var(--_muted); }
    .tools { display: flex; gap: 12px; align-items: center; margin-bottom: 8px; }
    input[type='search'] {
      font: inherit; color: var(--_fg); background: var(--_input-bg); border: 1px solid var(--_border); border-radius: 2px;
      padding: 4px 8px; min-width: 260px;
    }
    table { width: 100%; border-collapse: collapse; }
    th, td { text-align: left; padding: 6px 10px; white-space: nowrap; }
    th { color: var(--_muted); font-weight: 600; border-bottom: 1px solid var(--_border); background: var(--_bg); }
    th .sort { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: center; }
    th .sort:focus-visible { outline: 1px solid var(--_accent); outline-offset: 2px; }
    th .arrow { font-size: 0.7em; min-width: 1em; }
    tbody tr { cursor: pointer; border-top: 1px solid var(--_border); }
    tbody tr:hover { background: var(--_hover); }
    tbody tr:focus, tbody tr[data-focused] { outline: none; background: var(--_selection); box-shadow: inset 0 0 0 1px var(--_accent); }
    td.name { font-weight: 600; max-width: 32ch; overflow: hidden; text-overflow: ellipsis; }
    td.protection { position: relative; }
    .chip { display: inline-flex; align-items: center; gap: 6px; padding: 1px 8px; border-radius: 10px; border: 1px solid currentColor; }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: currentColor; flex: none; }
    .chip.protected { color: var(--_success); }
    .chip.warning { color: var(--_warning); }
    .chip.at_risk { color: var(--_error); font-weight: 600; }
    .chip.pending { color: var(--_accent); }
    .chip.unmonitored { color: var(--_muted); }
    .counter .label .dot { background: var(--_muted); }
    .counter.protected .dot { background: var(--_success); }
    .counter.warning .dot { background: var(--_warning); }
    .counter.at_risk .dot { background: var(--_error); }
    .counter.pending .dot { background: var(--_accent); }
    .counter .count { color: var(--_fg); }
    /* The reason: a tooltip on hover of the status, and while the row has keyboard focus. */
    .reason {
      position: absolute; left: 10px; top: calc(100% - 2px); z-index: 2; max-width: 48ch; white-space: normal;
      color: var(--_fg); background: var(--_surface); border: 1px solid var(--_border); border-radius: 2px;
      padding: 4px 8px; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.3); visibility: hidden; font-weight: normal;
    }
    td.protection:hover .reason, tr:focus .reason, tr[data-focused] .reason { visibility: visible; }
    .job-status.failed { color: var(--_error); }
    .job-status.cancelled { color: var(--_warning); }
    .job-status.completed { color: var(--_success); }
    .job-status.pending { color: var(--_muted); }
    .live { display: inline-flex; gap: 8px; align-items: center; }
    .bar { width: 100px; height: 6px; border-radius: 3px; background: var(--_border); overflow: hidden; display: inline-block; }
    .bar > span { display: block; height: 100%; background: var(--_accent); }
    .phase { max-width: 20ch; overflow: hidden; text-overflow: ellipsis; }
    .muted { color: var(--_muted); }
    .pager { display: flex; gap: 8px; align-items: center; padding: 10px; border-top: 1px solid var(--_border); }
    .pager > .muted { margin-right: auto; }
    .visually-hidden {
      position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
    }
  `,
];
