import LectorAnalysis

extension FindingCategory {
    /// The categories that have a CUAD label column, in table order (``FindingCategory/all`` is the one
    /// table that maps CUAD names to Lector keys).
    public static var cuadCategories: [FindingCategory] { all.filter { $0.cuadName != nil } }

    /// The Lector categories whose CUAD name is `name`: exactly one for each of CUAD's 41 categories.
    public static func forCUAD(_ name: String) -> [FindingCategory] {
        all.filter { $0.cuadName == name }
    }
}
