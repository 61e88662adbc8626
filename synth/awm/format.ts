import { z } from "zod";

/**
 * The Agent World Model's released jsonl files (Snowflake/AgentWorldModel-1K, and the generator's outputs/),
 * as far as the import reads them; other fields are allowed and ignored. Every file but gen_scenario is keyed by
 * `scenario`; gen_verifier writes it in snake case ("surveymonkey_apply"), the others as the scenario's name.
 */
export const AwmScenario = z.looseObject({ name: z.string(), description: z.string() });
export const AwmTasks = z.looseObject({ scenario: z.string(), tasks: z.array(z.string()) });
export const AwmDb = z.looseObject({
  scenario: z.string(),
  db_schema: z.looseObject({
    tables: z.array(z.looseObject({ name: z.string(), ddl: z.string(), indexes: z.array(z.string()).default([]) })),
  }),
});
export const AwmSample = z.looseObject({
  scenario: z.string(),
  sample_data: z.looseObject({
    tables: z.array(z.looseObject({ table_name: z.string(), insert_statements: z.array(z.string()) })),
  }),
});
const AwmParam = z.looseObject({
  type: z.string().default("string"),
  param_type: z.string().optional(),
  required: z.boolean().default(false),
  description: z.string().default(""),
});
export const AwmEndpoint = z.looseObject({
  path: z.string(),
  method: z.string(),
  summary: z.string().default(""),
  description: z.string().default(""),
  operation_id: z.string(),
  request_params: z.record(z.string(), AwmParam).nullish(),
});
export type AwmEndpoint = z.infer<typeof AwmEndpoint>;
export const AwmSpec = z.looseObject({
  scenario: z.string(),
  api_spec: z.looseObject({
    api_groups: z.array(z.looseObject({ group_name: z.string().optional(), endpoints: z.array(AwmEndpoint) })),
  }),
});
export const AwmEnv = z.looseObject({ scenario: z.string(), full_code: z.string() });
export const AwmVerifier = z.looseObject({
  scenario: z.string(),
  task_idx: z.number().int(),
  verification: z.looseObject({ code: z.string() }),
});

/** The key AWM files agree on: "DocuSign (E-Signature & Agreement Workflow)" -> "docusign_e_signature_agreement_workflow". */
export const awmKey = (scenario: string) =>
  scenario
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
