import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const backupTrendsStyles = [
  themeStyles,
  css`
    :host { display: block; min-height: 260px; }
    .chart { width: 100%; height: 100%; min-height: 260px; }
  `,
];
