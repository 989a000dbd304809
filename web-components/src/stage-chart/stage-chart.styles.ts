import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const stageChartStyles = [
  themeStyles,
  css`
    :host { display: block; }
    svg { width: 100%; height: 120px; display: block; background: var(--_surface); border-radius: 2px; }
    polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
    .source { stroke: var(--_chart-speed); color: var(--_chart-speed); }
    .proxy { stroke: var(--_chart-size); color: var(--_chart-size); }
    .network { stroke: var(--_warning); color: var(--_warning); }
    .target { stroke: var(--_chart-progress); color: var(--_chart-progress); }
    .grid { stroke: var(--_chart-grid); stroke-width: 1; vector-effect: non-scaling-stroke; }
    ul { list-style: none; display: flex; gap: 16px; margin: 4px 0 0; padding: 0; color: var(--_muted); }
    li::before { content: ''; display: inline-block; width: 10px; height: 3px; margin-right: 6px; vertical-align: middle; background: currentColor; }
  `,
];
