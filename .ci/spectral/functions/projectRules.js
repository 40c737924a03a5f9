// The project's own checks of openapi/openapi.json (see ruleset.yaml).
module.exports = (target, options) => {
  const problems = [];
  if (options.rule === "security") {
    const scope = target["x-required-scope"];
    if (!Array.isArray(target.security)) {
      problems.push({ message: "the operation declares no security" });
    } else if (target.security.length === 0 && scope !== "public") {
      problems.push({ message: "security [] (no key) but x-required-scope is " + scope });
    } else if (target.security.length > 0 && scope === "public") {
      problems.push({ message: "a public operation should declare security []" });
    }
  } else if (options.rule === "example") {
    const hasExample = (media) => media && (media.example !== undefined || (media.examples && Object.keys(media.examples).length > 0));
    const body = target.requestBody;
    if (body && body.content) {
      for (const [type, media] of Object.entries(body.content)) {
        if (!hasExample(media)) problems.push({ message: "request body " + type + " has no example" });
      }
    }
    const statuses = Object.keys(target.responses || {}).filter((s) => /^2/.test(s)).sort();
    const main = statuses.length ? target.responses[statuses[0]] : undefined;
    if (main && main.content) {
      for (const [type, media] of Object.entries(main.content)) {
        if (!hasExample(media)) problems.push({ message: "response " + statuses[0] + " " + type + " has no example" });
      }
    }
  } else if (options.rule === "description") {
    if (target && typeof target === "object" && !target.$ref && !target.description) {
      problems.push({ message: "the property has no description" });
    }
  }
  return problems;
};
