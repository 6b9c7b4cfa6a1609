// What the bus itself puts on the wire besides envelopes: dead letters and request replies.
export * from './dead-letter';
export * from './reply-wire';
