// The hello function of tests/golden/http-api-plain.hit.
exports.handler = async () => ({ statusCode: 200, body: "hello" });
