import { css } from 'lit';
import { themeStyles } from '../shared/theme.js';

export const successDonutStyles = [
  themeStyles,
  css`
    :host { display: block; min-height: 220px; }
    .wrap { position: relative; height: 100%; min-height: 220px; }
    .chart { position: absolute; inset: 0; }
    .center {
      position: absolute; left: 0; right: 0; top: 50%; transform: translateY(-62%);
      text-align: center; pointer-events: none;
    }
    .rate { font-size: 1.9em; font-weight: 600; display: block; }
    .caption { color: var(--_muted); font-size: 0.92em; }
  `,
];
