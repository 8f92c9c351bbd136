// For the error cases on Node runtimes: the handler's file exists.
exports.handler = async () => ({ statusCode: 200 });
