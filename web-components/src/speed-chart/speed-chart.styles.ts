import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const speedChartStyles = [
  themeStyles,
  css`
    :host { display: flex; flex-direction: column; min-height: 280px; }
    .toolbar { display: flex; align-items: center; gap: 6px; justify-content: flex-end; padding-bottom: 4px; }
    .toolbar .live { margin-right: auto; color: var(--_success); font-size: 0.92em; }
    .chart { flex: 1; min-height: 240px; width: 100%; position: relative; }
    .state { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 4px; }
    .state small { color: var(--_muted); }
  `,
];
