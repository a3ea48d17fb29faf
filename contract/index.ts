export * from './enums'
export * from './attributes'
export * from './events'
export * from './slo'
