/// A measurement taken at a consultation, with the range a value must fall
/// in to be accepted. The ranges catch typing slips (a weight in grams, a
/// height in metres, a misplaced comma); they are plausibility limits for
/// input, not clinical thresholds.
public enum VitalSign: String, Sendable, CaseIterable {
    /// Kilograms, 0.3–400 (a very premature newborn to the heaviest adults).
    case weight
    /// Centimetres, 30–250.
    case height
    /// Systolic blood pressure, mmHg, 40–300.
    case systolic
    /// Diastolic blood pressure, mmHg, 20–200.
    case diastolic
    /// Beats per minute, 20–250.
    case pulse
    /// Degrees Celsius, 30–45.
    case temperature

    public var range: ClosedRange<Double> {
        switch self {
        case .weight: return 0.3...400
        case .height: return 30...250
        case .systolic: return 40...300
        case .diastolic: return 20...200
        case .pulse: return 20...250
        case .temperature: return 30...45
        }
    }

    /// What is usually measured at a general practice, every age taken
    /// together. A value inside `range` but outside this one is accepted
    /// only once confirmed: 300/20 mmHg or a pulse of 230 are possible to
    /// type, rarely true.
    public var usual: ClosedRange<Double> {
        switch self {
        case .weight: return 1.5...250
        case .height: return 40...220
        case .systolic: return 70...230
        case .diastolic: return 35...130
        case .pulse: return 35...180
        case .temperature: return 34...41.5
        }
    }

    /// The catalogue key of the field's label.
    public var labelKey: String { "vital.\(rawValue)" }

    /// The catalogue key of the unit ("kg", "mmHg"…).
    public var unitKey: String { "vital.\(rawValue).unit" }
}

/// A measurement that is accepted but unusual: said before it is saved.
public enum VitalWarning: Sendable, Hashable {
    /// Outside the sign's usual values.
    case unusual(VitalSign, Double)
    /// Systolic minus diastolic (the pulse pressure) under 15 or over
    /// 120 mmHg: two values typed in the wrong fields, or a slip.
    case pulsePressure(systolic: Double, diastolic: Double)
}

/// What is wrong with a measurement as typed.
public enum VitalProblem: Error, Sendable, Hashable, CatalogueMessage {
    /// Not a number (French or English decimal separator accepted).
    case format
    /// Outside the sign's range; the message gives the range.
    case outOfRange(VitalSign)
    /// Systolic not above diastolic (values probably swapped).
    case pressureOrder

    public var messageKey: String {
        switch self {
        case .format: return "vital.format"
        case .outOfRange(let sign): return "vital.\(sign.rawValue).range"
        case .pressureOrder: return "vital.pressure.order"
        }
    }

    public func message(_ catalog: Catalog) -> String {
        guard case .outOfRange(let sign) = self else { return catalog.text(messageKey) }
        return catalog.text(messageKey, [
            "min": Vitals.format(sign.range.lowerBound, language: catalog.language),
            "max": Vitals.format(sign.range.upperBound, language: catalog.language),
        ])
    }
}

/// The WHO adult body-mass-index classes (WHO Regional Office for Europe,
/// "Body mass index – BMI", nutritional status table: < 18.5 underweight,
/// 18.5–24.9 normal, 25–29.9 pre-obesity, 30–34.9 obesity class I,
/// 35–39.9 class II, ≥ 40 class III). They do not apply to children, whose
/// BMI is read on age- and sex-specific curves.
public enum BMICategory: String, Sendable, CaseIterable, CatalogueMessage {
    case underweight
    case normal
    case overweight
    case obesityClass1 = "obesity1"
    case obesityClass2 = "obesity2"
    case obesityClass3 = "obesity3"

    public var messageKey: String { "bmi.\(rawValue)" }

    public init(bmi: Double) {
        switch bmi {
        case ..<18.5: self = .underweight
        case ..<25: self = .normal
        case ..<30: self = .overweight
        case ..<35: self = .obesityClass1
        case ..<40: self = .obesityClass2
        default: self = .obesityClass3
        }
    }
}

/// Measurements: reading, checking, and the body-mass index.
public enum Vitals {
    /// Reads a measurement typed with a comma or a dot ("72,5", "72.5",
    /// " 120 "), and checks it is within the sign's range.
    public static func parse(_ text: String, as sign: VitalSign) throws(VitalProblem) -> Double {
        guard let value = parseDecimal(text) else { throw .format }
        try check(value, as: sign)
        return value
    }

    public static func check(_ value: Double, as sign: VitalSign) throws(VitalProblem) {
        guard sign.range.contains(value) else { throw .outOfRange(sign) }
    }

    /// Checks a blood pressure reading: both in range, systolic above diastolic.
    public static func checkPressure(systolic: Double, diastolic: Double) throws(VitalProblem) {
        try check(systolic, as: .systolic)
        try check(diastolic, as: .diastolic)
        guard systolic > diastolic else { throw .pressureOrder }
    }

    /// What is unusual in a set of measurements already in range, in the
    /// order of the form.
    public static func warnings(_ values: [VitalSign: Double]) -> [VitalWarning] {
        var out: [VitalWarning] = []
        for sign in VitalSign.allCases {
            if let v = values[sign], !sign.usual.contains(v) { out.append(.unusual(sign, v)) }
        }
        if let s = values[.systolic], let d = values[.diastolic], !(15...120).contains(s - d) {
            out.append(.pulsePressure(systolic: s, diastolic: d))
        }
        return out
    }

    /// The warnings said in one sentence's list ("pression systolique
    /// 300 mmHg, écart systolique-diastolique de 280 mmHg").
    public static func describe(_ warnings: [VitalWarning], _ catalog: Catalog) -> String {
        warnings.map { w -> String in
            switch w {
            case .unusual(let sign, let v):
                return catalog.text("vital.unusual.value", ["label": catalog.text(sign.labelKey).lowercased(),
                                                            "value": format(v, language: catalog.language),
                                                            "unit": catalog.text(sign.unitKey)])
            case .pulsePressure(let s, let d):
                return catalog.text("vital.unusual.pulse_pressure", ["value": format(s - d, language: catalog.language)])
            }
        }.joined(separator: ", ")
    }

    /// A decimal number with at most one separator, comma or dot; digits
    /// only otherwise (no sign, no exponent, no thousands separator).
    public static func parseDecimal(_ text: String) -> Double? {
        let t = text.trimmingWhitespace()
        var mantissa = 0, decimals = 0, digits = 0
        var seenSeparator = false
        for c in t {
            if c.isASCIIDigit {
                mantissa = mantissa * 10 + NIR.digitValue(c)
                if seenSeparator { decimals += 1 }
                digits += 1
                guard digits <= 15 else { return nil } // exact in a Double
            } else if (c == "," || c == ".") && !seenSeparator {
                seenSeparator = true
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        // One correctly rounded division: "0,3" is the Double nearest 0.3.
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return Double(mantissa) / scale
    }

    /// Weight / height², kg/m², rounded to one decimal; nil when a value is
    /// out of range.
    public static func bmi(weightKg: Double, heightCm: Double) -> Double? {
        guard VitalSign.weight.range.contains(weightKg), VitalSign.height.range.contains(heightCm)
        else { return nil }
        let metres = heightCm / 100
        return (weightKg / (metres * metres) * 10).rounded() / 10
    }

    /// The WHO class of the (rounded) BMI for an adult (18 or over); nil for
    /// a child.
    public static func bmiCategory(bmi: Double, ageInYears: Int) -> BMICategory? {
        ageInYears >= 18 ? BMICategory(bmi: bmi) : nil
    }

    /// A value with at most one decimal, with the language's separator:
    /// "72,5" in French, "72.5" in English, "400" for whole numbers.
    public static func format(_ value: Double, language: Language) -> String {
        let tenths = Int((value * 10).rounded())
        let whole = tenths / 10, decimal = abs(tenths % 10)
        guard decimal != 0 else { return String(whole) }
        return String(whole) + (language == .french ? "," : ".") + String(decimal)
    }
}
