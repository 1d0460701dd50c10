/**
 * Injected into the self-check bundle (esbuild `inject`): the readers' byte handling uses Node's
 * `Buffer` here and there (`Buffer.concat`, `toString('latin1')`, `includes`); in the browser the
 * `buffer` package stands in for it. Not imported by anything that runs on Node.
 */
export { Buffer } from 'buffer';
