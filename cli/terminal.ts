// What a command may assume about where its output goes: colour only on a terminal and never
// under NO_COLOR (https://no-color.org) or TERM=dumb; `\r` progress lines only on a terminal.
export function colorOn(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && (process.env.NO_COLOR ?? '') === '' && process.env.TERM !== 'dumb';
}

export function isTerminal(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}
