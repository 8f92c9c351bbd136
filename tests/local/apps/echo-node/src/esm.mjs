// An ES module handler (loaded with import(), not require()).
export const handler = async (event) => ({statusCode: 200, body: `es module ${event.httpMethod}`});
