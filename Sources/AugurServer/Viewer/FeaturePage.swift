import AugurActivations
import AugurInterp
import AugurPipeline
import Foundation

/// A feature's page (`/features/ID`): its statistics, descriptions with their scores, activation
/// histogram, highlighted examples per quantile, output-side tokens and (in the viewer) the
/// steering box. The report reuses ``sections(_:)`` without the steering box.
struct FeaturePage {
    let store: RunStore

    /// The page's sections, or nil when the store has no such feature.
    func sections(_ id: String, examplesPerGroup: Int = 8) throws -> (feature: FeatureRecord, html: String)? {
        guard let f = try store.feature(id: id) else { return nil }
        var out = "<h1>\(HTML.escape(f.id))</h1><p>"
        var facts: [String] = []
        if let k = f.kind { facts.append("kind <b>\(HTML.escape(k))</b>") }
        if let h = f.hook { facts.append("hook <code>\(HTML.escape(h))</code>") }
        if let l = f.latent { facts.append("latent \(l)") }
        if let d = f.density { facts.append("density \(HTML.number(d, digits: 5))") }
        if let m = f.maxActivation { facts.append("max activation \(HTML.number(m, digits: 3))") }
        if let m = f.meanActivation { facts.append("mean activation \(HTML.number(m, digits: 3))") }
        out += facts.joined(separator: " · ") + "</p>"
        out += try descriptions(f)
        if let h = f.histogram, !h.isEmpty {
            out += "<h2>Activation histogram</h2>" + SVGPlot.histogram(counts: h, lower: 0, upper: f.maxActivation ?? Double(h.count),
                                                                         title: "non-zero activations", xLabel: "activation")
        }
        if let e = f.evidence { out += evidence(e, feature: f, perGroup: examplesPerGroup) }
        return (f, out)
    }

    /// Descriptions (rows) with every scorer's result (columns); failed scores show their cause.
    func descriptions(_ f: FeatureRecord) throws -> String {
        let descs = try store.descriptions(featureID: f.id)
        let scores = try store.scores(featureID: f.id)
        let causes = try store.scoreFailureCauses(featureID: f.id)
        var out = "<h2>Descriptions and scores</h2>"
        let scorers = Array(Set(scores.map(\.key.scorer))).sorted()
        var rows: [(method: String, explainer: String)] = descs.map { ($0.method, $0.explainer) }
        for s in scores where !rows.contains(where: { $0.method == s.key.method && $0.explainer == s.key.explainer }) {
            rows.append((s.key.method, s.key.explainer))
        }
        if rows.isEmpty { return out + "<p class=\"muted\">No descriptions yet.</p>" }
        out += "<table class=\"descriptions\"><tr><th>method</th><th>description</th>" + scorers.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
        for row in rows {
            let d = descs.first { $0.method == row.method && $0.explainer == row.explainer }
            out += "<tr class=\"description\"><th>\(HTML.escape(row.method))<br><span class=\"muted\">\(HTML.escape(row.explainer))</span></th><td>"
            if let d {
                out += "<div class=\"text\">\(HTML.escape(d.text))</div><details><summary class=\"muted\">prompt and replies</summary>"
                out += "<h3>Replies</h3>" + d.rawReplies.map { "<pre class=\"ex\">\(HTML.escape($0))</pre>" }.joined()
                out += "<h3>Prompt</h3><pre class=\"ex\">\(HTML.escape(promptText(d.promptJSON)))</pre></details>"
            } else {
                out += "<span class=\"muted\">(no stored description)</span>"
            }
            out += "</td>"
            for scorer in scorers {
                guard let s = scores.first(where: { $0.key.method == row.method && $0.key.explainer == row.explainer && $0.key.scorer == scorer }) else {
                    out += "<td class=\"num muted\">–</td>"
                    continue
                }
                if s.failed || s.value == nil {
                    let cause = causes[s.key] ?? "no cause recorded"
                    out += "<td class=\"score\"><span class=\"failed\">failed</span><br><span class=\"cause\">\(HTML.escape(cause))</span></td>"
                } else {
                    out += "<td class=\"num score\" title=\"\(HTML.escape(detailSummary(s.detailsJSON)))\">\(HTML.number(s.value))</td>"
                }
            }
            out += "</tr>"
        }
        return out + "</table>"
    }

    /// The prompt's messages as readable text.
    func promptText(_ json: String) -> String {
        guard let messages = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else { return json }
        return messages.map { "[\($0["role"] as? String ?? "?")]\n\($0["content"] as? String ?? "")" }.joined(separator: "\n\n")
    }

    /// A score's metrics as `name value` pairs, for a tooltip.
    func detailSummary(_ json: String?) -> String {
        guard let json, let outcome = try? JSONDecoder().decode(ScoreOutcome.self, from: Data(json.utf8)) else { return "" }
        let metrics = outcome.values.keys.sorted().map { "\($0) \(HTML.number(outcome.values[$0]))" }
        return (metrics + ["\(outcome.predictions.count) examples", "\(outcome.failures.count) failed prompts"]).joined(separator: "; ")
    }

    func evidence(_ e: FeatureEvidence, feature f: FeatureRecord, perGroup: Int) -> String {
        var out = ""
        if let ex = e.examples {
            let activating = ex.train + ex.test
            let scale = Float(f.maxActivation ?? Double(activating.map(\.maxActivation).max() ?? 0))
            let groups = Dictionary(grouping: activating) { $0.quantile ?? Int.max }
            out += "<h2>Activating examples</h2><p class=\"muted\">Token background ∝ activation (hover for the value); "
                + "\(ex.train.count) explainer examples, \(ex.test.count) held-out examples.</p>"
            for q in groups.keys.sorted(by: >) {
                let records = (groups[q] ?? []).sorted { $0.maxActivation > $1.maxActivation }
                let label = q == Int.max ? "Top activations" : "Quantile \(q)"
                out += "<h3 class=\"quantile\">\(label) <span class=\"muted\">(\(records.count))</span></h3>"
                out += records.prefix(perGroup).map { HTML.record($0, scale: scale) }.joined()
            }
            out += "<h2>Non-activating examples</h2>"
            out += ex.nonActivating.isEmpty ? "<p class=\"muted\">none</p>"
                : ex.nonActivating.prefix(perGroup).map { HTML.record($0, scale: scale) }.joined()
        }
        if let v = e.vocabProj {
            out += "<h2>VocabProj</h2><div class=\"grid\"><div class=\"card\"><h3>Top tokens</h3>\(HTML.tokenList(Array(v.top.prefix(30))))</div>"
                + "<div class=\"card\"><h3>Bottom tokens</h3>\(HTML.tokenList(Array(v.bottom.prefix(30))))</div></div>"
        }
        if let t = e.tokenChange {
            out += "<h2>TokenChange</h2><p class=\"muted\">Clamped to \(HTML.number(Double(t.clampValue), digits: 2)) over \(t.positions) positions.</p>"
                + "<div class=\"grid\"><div class=\"card\"><h3>Raised</h3>\(HTML.tokenList(t.raised))</div>"
                + "<div class=\"card\"><h3>Lowered</h3>\(HTML.tokenList(t.lowered))</div>"
            if !t.negativeRaised.isEmpty || !t.negativeLowered.isEmpty {
                out += "<div class=\"card\"><h3>Raised at −clamp</h3>\(HTML.tokenList(t.negativeRaised))</div>"
                    + "<div class=\"card\"><h3>Lowered at −clamp</h3>\(HTML.tokenList(t.negativeLowered))</div>"
            }
            out += "</div>"
        }
        return out
    }

    /// The steering box: a form posting to `/steer`, or why steering is unavailable.
    func steeringBox(_ f: FeatureRecord, availability: SteeringAvailability, params: [String: String]) -> String {
        var out = "<h2>Steering</h2><div class=\"steer\" id=\"steer-box\">"
        switch availability {
        case .unavailable(let reason):
            return out + "<p class=\"muted\" id=\"steer-unavailable\">Steering is unavailable: \(HTML.escape(reason))</p></div>"
        case .available(let target):
            let strength = params["strength"] ?? HTML.number(target.defaultStrength, digits: 1)
            let prompt = params["prompt"] ?? "The weather today is"
            let maxTokens = params["max_tokens"] ?? "24"
            out += "<p class=\"muted\">Greedy generation by \(HTML.escape(target.model)) with \(HTML.escape(target.mode)); "
                + "the first request loads the model.</p>"
            out += "<form id=\"steer\" method=\"post\" action=\"/steer\" data-feature=\"\(HTML.escape(f.id))\">"
            out += "<textarea name=\"prompt\" id=\"steer-prompt\">\(HTML.escape(prompt))</textarea><br>"
            out += "strength <input name=\"strength\" id=\"steer-strength\" size=\"8\" value=\"\(HTML.escape(strength))\"> "
            out += "max tokens <input name=\"max_tokens\" id=\"steer-max\" size=\"4\" value=\"\(HTML.escape(maxTokens))\"> "
            out += "<button type=\"submit\">Generate</button> <span id=\"steer-status\" class=\"muted\"></span></form>"
            out += "<div class=\"out\"><div><h3>Clean</h3><pre id=\"steer-clean\"></pre></div>"
                + "<div><h3>Steered</h3><pre id=\"steer-steered\"></pre></div></div>"
            return out + "</div>"
        }
    }

    /// The steering box's script: posts the form as JSON and shows both generations; with
    /// `?autosteer=1` it submits once on load.
    static let steeringScript = """
        (function(){
          var f=document.getElementById('steer'); if(!f) return;
          var st=document.getElementById('steer-status');
          function run(){
            st.textContent='generating…';
            var body={feature:f.dataset.feature,prompt:document.getElementById('steer-prompt').value,
              strength:parseFloat(document.getElementById('steer-strength').value),
              max_tokens:parseInt(document.getElementById('steer-max').value,10)};
            fetch('/steer',{method:'POST',headers:{'Content-Type':'application/json'},body:JSON.stringify(body)})
              .then(function(r){return r.json();})
              .then(function(j){
                if(j.error){st.textContent='error: '+j.error;st.className='failed';return;}
                document.getElementById('steer-clean').textContent=j.clean;
                document.getElementById('steer-steered').textContent=j.steered;
                st.textContent='done in '+j.seconds.toFixed(1)+' s';st.id='steer-done';
              })
              .catch(function(e){st.textContent='error: '+e;st.className='failed';});
          }
          f.addEventListener('submit',function(e){e.preventDefault();run();});
          if(new URLSearchParams(location.search).get('autosteer')==='1') run();
        })();
        """
}
