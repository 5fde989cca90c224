import Testing
import TerminalUI

@Suite("Themes")
struct ThemeTests {
    @Test func monochromeUsesNoColour() {
        let theme = Theme.monochrome
        #expect(!theme.usesColor)
        for role in StyleRole.allCases {
            let colors = theme.colors(for: role)
            #expect(colors.foreground == .default, "\(role)")
            #expect(colors.background == .default, "\(role)")
            let rendition = theme.rendition(for: Style(role))
            #expect(rendition.foreground == .default && rendition.background == .default && !rendition.dim)
        }
    }

    @Test func monochromeTellsTheBarsApart() {
        let theme = Theme.monochrome
        func key(_ role: StyleRole) -> [Bool] {
            let a = theme.attributes(for: role)
            return [a.bold, a.underline, a.reverse]
        }
        let keys = [key(.selection), key(.title), key(.statusBar)]
        #expect(Set(keys).count == 3)
        #expect(theme.attributes(for: .selection).reverse)
        #expect(theme.attributes(for: .statusBar).reverse)
        #expect(theme.attributes(for: .title).bold)
        #expect(theme.attributes(for: .warning) == (true, true, false))
        #expect(theme.attributes(for: .demoBanner) == (true, false, true))
        #expect(theme.attributes(for: .normal) == (false, false, false))
        // Every role that must be noticed looks different from normal text.
        for role: StyleRole in [.title, .selection, .warning, .error, .statusBar, .keyHint, .demoBanner, .input] {
            #expect(key(role) != key(.normal), "\(role)")
        }
    }

    @Test func standardThemeColoursTheRoles() {
        let theme = Theme.standard
        #expect(theme.usesColor)
        #expect(theme.colors(for: .normal) == Theme.Colors(foreground: .default, background: .default))
        #expect(theme.colors(for: .error).background == .red)
        #expect(theme.colors(for: .selection) != theme.colors(for: .statusBar))
        #expect(theme.rendition(for: Style(.disabled)).dim)
        #expect(Theme.TerminalColor.default.rawValue == -1 && Theme.TerminalColor.white.rawValue == 7)
    }

    @Test func renditionAddsTheStyleExtras() {
        let mono = Theme.monochrome
        #expect(mono.rendition(for: Style(.normal, bold: true, underline: true)) ==
                Theme.Rendition(bold: true, underline: true))
        #expect(mono.rendition(for: Style(.statusBar, reverse: true)).reverse)
        #expect(mono.rendition(for: Style(.normal, reverse: true)).reverse)
        // A role that already has a background is a bar: reverse would undo it.
        let bar = Theme.standard.rendition(for: Style(.statusBar, reverse: true))
        #expect(!bar.reverse && bar.background == .white)
        // A coloured foreground reversed becomes a coloured bar.
        #expect(Theme.standard.rendition(for: Style(.title, reverse: true)).reverse)
    }

    @Test func customTheme() {
        let theme = Theme(name: "test", colors: { role in
            Theme.Colors(foreground: role == .error ? .red : .default, bold: role == .title)
        }, attributes: { role in (underline: role == .input, reverse: false, dim: false) })
        #expect(theme.name == "test")
        #expect(theme.colors(for: .error).foreground == .red)
        #expect(theme.attributes(for: .title) == (true, false, false))
        #expect(theme.attributes(for: .input) == (false, true, false))
    }
}
