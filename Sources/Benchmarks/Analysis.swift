extension Report {
    /// The hand-written part of Docs/Performance.md: method notes and what limits each figure.
    var analysis: String {
        """
        ## What limits the figures

        (to be written)

        """
    }
}
