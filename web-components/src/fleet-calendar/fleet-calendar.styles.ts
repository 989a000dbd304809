import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const fleetCalendarStyles = [
  themeStyles,
  css`
    :host { display: block; }
    .tools { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
    input[type='search'], select {
      font: inherit; color: var(--_fg); background: var(--_input-bg); border: 1px solid var(--_border); border-radius: 2px; padding: 4px 8px;
    }
    input[type='search'] { min-width: 240px; }
    .legend { display: flex; flex-wrap: wrap; gap: 14px; list-style: none; margin: 0 0 8px; padding: 0; color: var(--_muted); }
    .legend li { display: inline-flex; align-items: center; gap: 6px; }
    .scroll { overflow-x: auto; }
    table { border-collapse: separate; border-spacing: 2px; }
    th { color: var(--_muted); font-weight: 600; text-align: left; }
    th.day { width: 22px; min-width: 22px; text-align: center; font-weight: normal; font-variant-numeric: tabular-nums; font-size: 0.85em; vertical-align: bottom; }
    th.day .month { display: block; font-size: 0.85em; }
    th.name { cursor: pointer; padding: 2px 10px 2px 4px; white-space: nowrap; font-weight: normal; color: var(--_fg); display: flex; gap: 8px; align-items: center; justify-content: space-between; }
    th.name .vm { font-weight: 600; max-width: 28ch; overflow: hidden; text-overflow: ellipsis; }
    th.name:hover { background: var(--_hover); }
    .chip { display: inline-flex; align-items: center; gap: 4px; padding: 0 6px; border-radius: 9px; border: 1px solid currentColor; font-size: 0.85em; }
    .dot { width: 7px; height: 7px; border-radius: 50%; background: currentColor; flex: none; }
    .chip.protected { color: var(--_success); }
    .chip.warning { color: var(--_warning); }
    .chip.at_risk { color: var(--_error); font-weight: 600; }
    .chip.pending { color: var(--_accent); }
    .chip.unmonitored { color: var(--_muted); }
    .cell, .cell-swatch {
      width: 22px; height: 22px; min-width: 22px; padding: 0; border-radius: 3px; text-align: center; vertical-align: middle;
      font-size: 13px; line-height: 22px; font-weight: 700; cursor: pointer; box-sizing: border-box;
      background: var(--_surface); color: var(--_bg); border: 1px solid var(--_border);
    }
    .cell-swatch { display: inline-block; cursor: default; }
    [data-outcome='success'] { background: var(--_success); border-color: var(--_success); }
    [data-outcome='failed'] { background: var(--_error); border-color: var(--_error); }
    /* Mixed: half success, half failure, so it differs from either by shape as well as by its symbol. */
    [data-outcome='mixed'] { background: linear-gradient(135deg, var(--_success) 50%, var(--_error) 50%); border-color: var(--_warning); }
    [data-outcome='cancelled'] { background: var(--_warning); border-color: var(--_warning); }
    [data-outcome='running'] { background: transparent; border: 2px solid var(--_accent); color: var(--_accent); line-height: 18px; }
    [data-outcome='none'] { background: transparent; }
    th.name:focus-visible, .cell:focus-visible, th.name:focus, .cell:focus { outline: 2px solid var(--_accent); outline-offset: 1px; }
    .muted { color: var(--_muted); }
    .pager { display: flex; gap: 8px; align-items: center; padding: 10px 0; }
    .pager > .muted { margin-right: auto; }
    .state { padding: 16px; color: var(--_muted); }
    .visually-hidden {
      position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
    }
  `,
];
