/**
 * What the tenant's developers paste: their backend asks for a 5-minute guest token with an API
 * key (scopes dashboards:read and analytics:read), never exposing the key to the browser, and
 * their page frames the embed URL. The origin of that page must be in the branding's embed
 * origins, or the browser refuses the frame.
 */
export function embedSnippet(origin: string, dashboardId: string): string {
  return `// Server side (Node 20+): the API key stays on your server.
app.get('/analytics', async (req, res) => {
  const answer = await fetch('${origin}/v1/guest-token', {
    method: 'POST',
    headers: {
      Authorization: \`Bearer \${process.env.TENANTRY_API_KEY}\`, // dashboards:read + analytics:read
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      dashboard_id: '${dashboardId}',
      user: { id: req.user.id },          // who is looking, for your audit log
      // filters: { customer: req.user.customerId }, // forced on every widget
    }),
  });
  const { embed_url } = await answer.json(); // valid 5 minutes
  res.send(\`<iframe src="\${embed_url}" title="Analytics" width="100%" height="600"></iframe>\`);
});`;
}
