// Preloaded with --import: appends the URL of every module the process loads to $SDN_TRACE_IMPORTS.
import { register } from 'node:module';

const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(process.env.SDN_TRACE_IMPORTS)}, url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
