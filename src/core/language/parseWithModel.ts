/** The loader's result and the editor's model of a flow text (model.ts) from one YAML parse. */
import type { Document } from 'yaml';
import { parseFlowText, type FlowLoadResult, type ParseFlowOptions } from '../flow/load';
import { analyzeFlowDocument, type FlowModel } from './model';

export function parseWithModel(
  text: string,
  file: string,
  options: ParseFlowOptions = {},
): { result: FlowLoadResult; model: FlowModel } {
  let syntax: Document.Parsed | undefined;
  const result = parseFlowText(text, file, { ...options, onSyntax: (document) => (syntax = document) });
  const model = syntax
    ? analyzeFlowDocument(syntax, text)
    : { env: [], phases: [], steps: [], references: [], expressions: [] };
  return { result, model };
}
