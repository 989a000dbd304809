export * from './types.js';
export * from './errors.js';
export * from './events.js';
export * from './validate.js';
export * from './format.js';
export * from './fleet.js';
export * from './notifications.js';
export * from './insight.js';
