import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartModelServerReturnType, startModelServer } from "./server";

const datasets = join(__dirname, "../../datasets");
let local: StartModelServerReturnType;
let generic: StartModelServerReturnType;
let localClient: OpenAI;
let genericClient: OpenAI;

beforeAll(async () => {
  local = await startModelServer({ datasetPath: join(datasets, "vi-VN-home-cooking.json"), port: 0 });
  generic = await startModelServer({ datasetPath: join(datasets, "generic-western-cooking.json"), port: 0 });
  // maxRetries 0: an error must surface as-is, not be retried into a timeout.
  localClient = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: "x", maxRetries: 0 });
  genericClient = new OpenAI({ baseURL: `${generic.url}/v1`, apiKey: "x", maxRetries: 0 });
});

afterAll(async () => {
  await Promise.all([local?.close(), generic?.close()]);
});

async function ask(client: OpenAI, model: string, content: string) {
  return client.chat.completions.create({ model, messages: [{ role: "user", content }] });
}

describe("OpenAI client against real loopback servers", () => {
  it("listens on 127.0.0.1 and lists the model", async () => {
    expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await localClient.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["kho-vi-VN-home-cooking"]);
  });

  it("the local model answers a Vietnamese cá kho question with nồi đất and nước màu", async () => {
    const completion = await ask(localClient, local.modelName, "Tôi nấu cá kho thế nào?");
    const content = completion.choices[0]!.message.content!;
    expect(content).toMatch(/nồi đất/);
    expect(content).toMatch(/nước màu/);
    expect(content).not.toMatch(/lò nướng ở/);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  it("the generic model answers the same dish in English with an oven", async () => {
    const completion = await ask(genericClient, generic.modelName, "How do I cook cá kho?");
    const content = completion.choices[0]!.message.content!;
    expect(content).toMatch(/oven/i);
    expect(content).not.toMatch(/clay pot/i);
  });

  it("the local model answers an English question in English, with the clay pot", async () => {
    const completion = await ask(localClient, local.modelName, "How do I cook cá kho?");
    const content = completion.choices[0]!.message.content!;
    expect(content).toMatch(/clay pot/);
    expect(content).toMatch(/caramel/);
    expect(content).not.toMatch(/Nguồn/);
  });

  it("is deterministic across calls", async () => {
    const a = await ask(localClient, local.modelName, "Pha nước mắm chấm tỉ lệ thế nào?");
    const b = await ask(localClient, local.modelName, "Pha nước mắm chấm tỉ lệ thế nào?");
    expect(b.id).toBe(a.id);
    expect(b.choices).toEqual(a.choices);
    expect(b.usage).toEqual(a.usage);
  });

  it("surfaces bad requests as OpenAI API errors", async () => {
    const wrongModel = await ask(localClient, "gpt-4o", "hi").catch((e: unknown) => e);
    expect(wrongModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect((wrongModel as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");

    const noUser = await localClient.chat.completions
      .create({ model: local.modelName, messages: [{ role: "system", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(noUser).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noUser).toMatchObject({ param: "messages", type: "invalid_request_error" });
  });

  it("streams with the official client", async () => {
    const stream = await localClient.chat.completions.create({
      model: local.modelName,
      messages: [{ role: "user", content: "Pha nước mắm chấm tỉ lệ thế nào?" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(
      (await ask(localClient, local.modelName, "Pha nước mắm chấm tỉ lệ thế nào?")).choices[0]!.message.content,
    );
  });
});
