export function nodeProblem(found: string, needed: string): string | undefined;
export function servicesProblem(
  env: Record<string, string | undefined>,
  dockerAnswers: boolean,
): string | undefined;
