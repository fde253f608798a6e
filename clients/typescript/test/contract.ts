// Holds the server to its own OpenAPI document: every answer the typed client
// receives must have a declared status and content type and a body that
// validates against the declared schema, and every WebSocket frame must
// validate against `WsServerFrame`. The example runs with this middleware in
// CI, so it fails when the server and the generated types disagree.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Middleware } from "openapi-fetch";

const DOCUMENT_KEY = "openapi";

interface MediaObject {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaObject>;
}
interface OperationObject {
  responses?: Record<string, ResponseObject>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
}

export interface Contract {
  /** Validates every answer of the client it is added to (throws on a disagreement). */
  middleware: Middleware;
  /** Validates a text frame the server sent (throws on a disagreement). */
  checkServerFrame(text: string): void;
  /** How many answers and frames were validated. */
  readonly checked: { answers: number; frames: number };
}

/** Fetches the server's document and builds the checks from it. */
export async function loadContract(baseUrl: string): Promise<Contract> {
  const response = await fetch(new URL("/api/v1/openapi.json", baseUrl));
  if (!response.ok) throw new Error(`GET /api/v1/openapi.json answered ${response.status}`);
  const document = (await response.json()) as OpenApiDocument;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; `example`, `discriminator`
  // and the like are annotations here.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document as object, DOCUMENT_KEY);
  const validator = (pointer: string[]): ValidateFunction => {
    const fragment = pointer.map((p) => encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
    const validate = ajv.getSchema(`${DOCUMENT_KEY}#/${fragment}`);
    if (!validate) throw new Error(`no schema at #/${pointer.join("/")}`);
    return validate;
  };
  const checked = { answers: 0, frames: 0 };
  const frameValidator = validator(["components", "schemas", "WsServerFrame"]);

  const middleware: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      const method = request.method.toLowerCase();
      const what = `${request.method} ${schemaPath} → ${response.status}`;
      const operation = document.paths[schemaPath]?.[method];
      if (!operation) throw new Error(`${what}: the document has no such operation`);
      const declared = operation.responses?.[String(response.status)] ?? operation.responses?.default;
      if (!declared) {
        throw new Error(`${what}: status not declared (declared: ${Object.keys(operation.responses ?? {}).join(", ")})`);
      }
      const text = await response.clone().text();
      const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
      if (text === "") {
        if (declared.content && Object.keys(declared.content).length > 0 && response.status !== 204) {
          throw new Error(`${what}: empty body where the document declares ${Object.keys(declared.content).join(", ")}`);
        }
      } else {
        const declaredType = Object.keys(declared.content ?? {}).find((t) => t.split(";")[0]?.trim() === mediaType);
        if (declaredType === undefined) {
          throw new Error(`${what}: content type ${mediaType} not declared (declared: ${Object.keys(declared.content ?? {}).join(", ")})`);
        }
        if (mediaType.endsWith("json") && declared.content?.[declaredType]?.schema !== undefined) {
          const key = operation.responses?.[String(response.status)] ? String(response.status) : "default";
          const validate = validator(["paths", schemaPath, method, "responses", key, "content", declaredType, "schema"]);
          if (!validate(JSON.parse(text))) {
            throw new Error(`${what}: the body does not match the document: ${ajv.errorsText(validate.errors)}\n${text}`);
          }
        }
      }
      checked.answers += 1;
      return response;
    },
  };

  return {
    middleware,
    checkServerFrame(text: string) {
      if (!frameValidator(JSON.parse(text))) {
        throw new Error(`a server frame does not match WsServerFrame: ${ajv.errorsText(frameValidator.errors)}\n${text}`);
      }
      checked.frames += 1;
    },
    checked,
  };
}
