// Tokens of the .sdn language. Comments are kept (group "comments") so `sdn fmt` can keep them.
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

const keyword = (word: string) =>
  createToken({ name: word[0].toUpperCase() + word.slice(1), pattern: new RegExp(`${word}\\b`), longer_alt: Identifier });

export const Import = keyword('import');
export const Param = keyword('param');
export const Block = keyword('block');
export const Model = keyword('model');
export const Let = keyword('let');
export const For = keyword('for');
export const In = keyword('in');
export const If = keyword('if');
export const Else = keyword('else');
export const Return = keyword('return');
export const Input = keyword('input');
export const Output = keyword('output');
export const As = keyword('as');
export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const True = keyword('true');
export const False = keyword('false');

export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/ });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n]|\\.)*"/ });

export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });

const punct = (name: string, pattern: RegExp) => createToken({ name, pattern });
export const DotDot = punct('DotDot', /\.\./);
export const Dot = punct('Dot', /\./);
export const LParen = punct('LParen', /\(/);
export const RParen = punct('RParen', /\)/);
export const LBracket = punct('LBracket', /\[/);
export const RBracket = punct('RBracket', /]/);
export const LBrace = punct('LBrace', /{/);
export const RBrace = punct('RBrace', /}/);
export const Comma = punct('Comma', /,/);
export const Colon = punct('Colon', /:/);
export const Question = punct('Question', /\?/);
export const EqEq = punct('EqEq', /==/);
export const NotEq = punct('NotEq', /!=/);
export const LtEq = punct('LtEq', /<=/);
export const GtEq = punct('GtEq', />=/);
export const Lt = punct('Lt', /</);
export const Gt = punct('Gt', />/);
export const Arrow = punct('Arrow', /->/);
export const Assign = punct('Assign', /=/);
export const Plus = punct('Plus', /\+/);
export const Minus = punct('Minus', /-/);
export const Star = punct('Star', /\*/);
export const Slash = punct('Slash', /\//);
export const Percent = punct('Percent', /%/);

export const allTokens: TokenType[] = [
  WhiteSpace, LineComment, BlockComment,
  Import, Param, Block, Model, Let, For, In, If, Else, Return, Input, Output, As, And, Or, Not, True, False,
  Identifier, NumberLiteral, StringLiteral,
  DotDot, Dot, LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Question,
  EqEq, NotEq, LtEq, GtEq, Lt, Gt, Arrow, Assign, Plus, Minus, Star, Slash, Percent,
];

export const sdnLexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });
